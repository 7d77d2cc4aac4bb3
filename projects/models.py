"""National projects, each hub's part in them, and the money hubs receive and spend."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from hubs.models import Hub, Organisation, School, TeachingPhase
from hubs_portal.lib.academic_year import academic_year_label, academic_year_of
from workgroups.models import WorkGroup

# The network began in the 2014-15 school year: nothing is recorded before it.
FIRST_NETWORK_YEAR = 2014

# The largest amount one line of funding or spending may hold. A hub's whole
# year is a few hundred thousand pounds, so anything above this is a typing
# slip (a missing decimal point), not a real figure.
MAX_AMOUNT = Decimal("1000000.00")
MIN_AMOUNT = Decimal("0.01")


class Sponsor(models.TextChoices):
    """Who pays: the DfE funds the network; others sponsor particular projects."""

    DFE = "dfe", "Department for Education (DfE)"
    EEF = "eef", "Education Endowment Foundation (EEF)"
    OTHER = "other", "Another organisation"


class NationalProject(models.Model):
    """A collaborative project the NCETM runs with every hub, such as Teaching for Mastery."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.TextField()
    phases = models.ManyToManyField(TeachingPhase, related_name="national_projects", blank=True)
    first_year = models.PositiveSmallIntegerField(
        "first academic year",
        help_text="The year its first school year starts in: 2014 for 2014-15.",
    )
    last_year = models.PositiveSmallIntegerField(
        "last academic year",
        null=True,
        blank=True,
        help_text="Leave empty while the project is still running.",
    )
    partners = models.ManyToManyField(
        Organisation,
        related_name="national_projects",
        blank=True,
        verbose_name="national partner organisations",
    )
    sponsor = models.CharField(max_length=10, choices=Sponsor, default=Sponsor.DFE)

    class Meta:
        ordering = ["name"]
        verbose_name = "national project"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_year__gte=FIRST_NETWORK_YEAR),
                name="project_starts_with_the_network",
                violation_error_message="The Maths Hubs network began in 2014-15.",
            ),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=F("first_year")),
                name="project_years_in_order",
                violation_error_message="The last year cannot be before the first year.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.slug])

    @property
    def years_label(self) -> str:
        first = academic_year_label(self.first_year)
        if self.last_year is None:
            return f"Since {first}"
        if self.last_year == self.first_year:
            return first
        return f"{first} to {academic_year_label(self.last_year)}"

    def is_active_in(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def refusal_for_year(self, year: int) -> str | None:
        """Why a hub cannot take part in ``year``, in words for the hub team; None if it can."""
        if self.is_active_in(year):
            return None
        return (
            f"{self.name} ran in {self.years_label.lower()}, "
            f"so a hub cannot take part in it in {academic_year_label(year)}."
        )


class ProjectParticipation(models.Model):
    """A hub's part in a national project for one academic year."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="project_participations")
    project = models.ForeignKey(
        NationalProject, on_delete=models.PROTECT, related_name="participations"
    )
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year the academic year starts in: 2026 for 2026-27."
    )
    local_lead = models.CharField("local lead", max_length=150, blank=True)
    targets = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)
    workgroups = models.ManyToManyField(
        WorkGroup, related_name="project_participations", blank=True, verbose_name="Work Groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-academic_year", "project__name"]
        verbose_name = "project participation"
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "project", "academic_year"],
                name="participation_once_per_year",
                violation_error_message="The hub's part in this project is already recorded for that year.",
            ),
            models.CheckConstraint(
                condition=Q(academic_year__gte=FIRST_NETWORK_YEAR),
                name="participation_from_2014",
                violation_error_message="The Maths Hubs network began in 2014-15.",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "academic_year"], name="participation_project_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hub}: {self.project} ({self.academic_year_label})"

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.academic_year)

    def clean(self):
        super().clean()
        # Only when recorded: a project whose years are corrected later does
        # not make the hub's earlier records unchangeable.
        if self._state.adding and self.project_id and self.academic_year:
            refusal = self.project.refusal_for_year(self.academic_year)
            if refusal:
                raise ValidationError({"academic_year": refusal})


class ProjectSchool(models.Model):
    """A school involved in a hub's part in a project, and what it does there."""

    class Part(models.TextChoices):
        PILOT = "pilot", "Pilot school"
        PARTICIPANT = "participant", "Participant"
        LEAD = "lead", "Lead school"
        OTHER = "other", "Other part"

    participation = models.ForeignKey(
        ProjectParticipation, on_delete=models.CASCADE, related_name="schools"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="project_roles")
    part = models.CharField(max_length=12, choices=Part, default=Part.PARTICIPANT)

    class Meta:
        ordering = ["participation", "part", "school__name"]
        verbose_name = "project school"
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "school"],
                name="project_school_once",
                violation_error_message="This school is already part of the project that year.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name}: {self.get_part_display()}"


# --- Money ----------------------------------------------------------------------------

AMOUNT_VALIDATORS = [MinValueValidator(MIN_AMOUNT), MaxValueValidator(MAX_AMOUNT)]


def _amount_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(amount__gt=0),
            name=f"{prefix}_amount_positive",
            violation_error_message="An amount must be more than £0.",
        ),
        models.CheckConstraint(
            condition=Q(amount__lte=MAX_AMOUNT),
            name=f"{prefix}_amount_not_absurd",
            violation_error_message="One line cannot be more than £1,000,000.",
        ),
    ]


class Allocation(models.Model):
    """Money a hub is given for an academic year: for its structure, or for one project."""

    class Category(models.TextChoices):
        STRUCTURAL = "structural", "Structural costs"
        PROJECT = "project", "Project costs"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="allocations")
    academic_year = models.PositiveSmallIntegerField()
    sponsor = models.CharField(max_length=10, choices=Sponsor, default=Sponsor.DFE)
    category = models.CharField(max_length=12, choices=Category)
    project = models.ForeignKey(
        NationalProject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        help_text="Only for project costs: the project the money is for.",
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=AMOUNT_VALIDATORS)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["academic_year", "category", "pk"]
        verbose_name = "funding allocation"
        constraints = [
            *_amount_constraints("allocation"),
            models.CheckConstraint(
                condition=Q(category="project", project__isnull=False)
                | Q(category="structural", project__isnull=True),
                name="allocation_project_costs_name_a_project",
                violation_error_message=(
                    "Project costs are for a named project; structural costs are for no project."
                ),
            ),
            models.CheckConstraint(
                condition=Q(academic_year__gte=FIRST_NETWORK_YEAR),
                name="allocation_from_2014",
                violation_error_message="The Maths Hubs network began in 2014-15.",
            ),
        ]
        indexes = [models.Index(fields=["hub", "academic_year"], name="allocation_hub_year_idx")]

    def __str__(self) -> str:
        what = self.project.name if self.project_id else self.get_category_display()
        return f"{self.hub}, {academic_year_label(self.academic_year)}: {what}, £{self.amount:,}"

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.academic_year)


class Spend(models.Model):
    """Money a hub has spent, by category; its academic year follows from the date."""

    class Category(models.TextChoices):
        CLASSROOM_CPD = "classroom_cpd", "Classroom-based CPD"
        LEADERSHIP = "leadership", "Hub leadership and coordination"
        ADMINISTRATION = "administration", "Administration"
        EVENTS = "events", "Events and venues"
        MATERIALS = "materials", "Resources and materials"
        TRAVEL = "travel", "Travel"
        EVALUATION = "evaluation", "Evaluation"
        OTHER = "other", "Other"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="spending")
    academic_year = models.PositiveSmallIntegerField(editable=False)
    category = models.CharField(max_length=16, choices=Category)
    project = models.ForeignKey(
        NationalProject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spending",
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=AMOUNT_VALIDATORS)
    description = models.CharField(max_length=200)
    spent_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["spent_on", "pk"]
        verbose_name = "spending record"
        verbose_name_plural = "spending records"
        constraints = [
            *_amount_constraints("spend"),
            models.CheckConstraint(
                condition=Q(academic_year__gte=FIRST_NETWORK_YEAR),
                name="spend_from_2014",
                violation_error_message="The Maths Hubs network began in 2014-15.",
            ),
        ]
        indexes = [models.Index(fields=["hub", "academic_year"], name="spend_hub_year_idx")]

    def __str__(self) -> str:
        return f"{self.hub}, {self.spent_on:%-d %b %Y}: {self.description}, £{self.amount:,}"

    def save(self, *args, **kwargs):
        # The school year is the date's, so the two can never disagree.
        self.academic_year = academic_year_of(self.spent_on)
        if kwargs.get("update_fields") is not None and "spent_on" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "academic_year"}
        super().save(*args, **kwargs)
