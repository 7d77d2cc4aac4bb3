"""The Maths Hubs network: hubs, their partner schools and organisations, their leaders."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from hubs.models.places import LocalAuthority, Region, School

MAX_CURRENT_LEAD_SCHOOLS = 2


class RecordStatus(models.TextChoices):
    """How sure we are of a fact copied from public sources."""

    CONFIRMED = "confirmed", "Confirmed"
    HISTORICAL = "historical", "Historical (2014-2019)"
    UNCONFIRMED = "unconfirmed", "Not yet confirmed"


class Organisation(models.Model):
    """A partner that is not a school: a university, an association, an employer."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", "University"
        TEACHING_SCHOOL = "teaching_school", "Teaching school alliance or hub"
        TRUST = "trust", "Multi-academy trust"
        SUBJECT_ASSOCIATION = "subject_association", "Subject association"
        EMPLOYER = "employer", "Employer"
        LOCAL_AUTHORITY = "local_authority", "Local authority service"
        NATIONAL_BODY = "national_body", "National body or programme"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind, default=Kind.OTHER)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HubQuerySet(models.QuerySet):
    def with_current_leads(self):
        """Hubs with their current lead partnerships (and schools) prefetched."""
        return self.prefetch_related(
            models.Prefetch(
                "partnerships",
                queryset=Partnership.objects.current()
                .filter(role=Partnership.Role.LEAD_SCHOOL)
                .select_related("school")
                .order_by("start_date", "pk"),
                to_attr="current_leads",
            )
        )


class Hub(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="hubs",
        help_text="The region the hub is based in; its area may cross into another.",
    )
    local_authorities = models.ManyToManyField(
        LocalAuthority,
        related_name="hubs",
        blank=True,
        help_text="The area the hub serves. An authority split between two hubs is in both.",
    )
    area_status = models.CharField(
        max_length=12,
        choices=RecordStatus,
        default=RecordStatus.UNCONFIRMED,
        help_text="How sure we are of the area. Change to Confirmed once the hub has checked it.",
    )
    contact_email = models.EmailField("contact e-mail", blank=True)
    website = models.URLField(blank=True)
    established_on = models.DateField("date established", null=True, blank=True)

    objects = HubQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("hubs:detail", args=[self.slug])


class PartnershipQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=on),
            Q(end_date__isnull=True) | Q(end_date__gte=on),
        )


class Partnership(models.Model):
    """A school or organisation's part in a hub: lead school, strategic or operational partner.

    The partner is a school from the register or an organisation. A name copied
    from public sources that is not yet linked to either is kept as
    ``recorded_name`` until staff link it.
    """

    class Role(models.TextChoices):
        LEAD_SCHOOL = "lead", "Lead school"
        STRATEGIC = "strategic", "Strategic partner"
        OPERATIONAL = "operational", "Operational partner"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="partnerships")
    role = models.CharField(max_length=12, choices=Role)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="partnerships"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships",
    )
    recorded_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The partner's name as recorded, until it is linked to the school register.",
    )
    status = models.CharField(
        "how sure we are",
        max_length=12,
        choices=RecordStatus,
        default=RecordStatus.CONFIRMED,
    )
    start_date = models.DateField(null=True, blank=True, help_text="Leave empty if not known.")
    end_date = models.DateField(null=True, blank=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["hub", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(school__isnull=False, organisation__isnull=False),
                name="partnership_school_or_organisation",
                violation_error_message="A partner is a school or an organisation, not both.",
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=False)
                | Q(organisation__isnull=False)
                | ~Q(recorded_name=""),
                name="partnership_names_a_partner",
                violation_error_message="Choose a school or an organisation, or record a name.",
            ),
            models.CheckConstraint(
                condition=~Q(role="lead") | Q(organisation__isnull=True),
                name="partnership_lead_is_a_school",
                violation_error_message="A lead school must be a school, not an organisation.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="partnership_dates_in_order",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]
        indexes = [models.Index(fields=["hub", "role"], name="partnership_hub_role_idx")]

    def __str__(self) -> str:
        return f"{self.partner_name} ({self.get_role_display()}, {self.hub})"

    @property
    def partner_name(self) -> str:
        if self.school_id:
            return self.school.name
        if self.organisation_id:
            return self.organisation.name
        return self.recorded_name

    def is_current(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.start_date is None or self.start_date <= on) and (
            self.end_date is None or self.end_date >= on
        )

    def clean(self):
        super().clean()
        if self.role != self.Role.LEAD_SCHOOL or not self.hub_id or not self.is_current():
            return
        # A hub is led by one or two schools at a time. Counting cannot be a
        # database constraint, so every write path goes through this check
        # (forms, admin and partnership_add, which locks the hub row first).
        others = (
            Partnership.objects.current()
            .filter(hub_id=self.hub_id, role=self.Role.LEAD_SCHOOL)
            .exclude(pk=self.pk)
            .select_related("school")
        )
        if len(others) >= MAX_CURRENT_LEAD_SCHOOLS:
            names = " and ".join(p.partner_name for p in others)
            raise ValidationError(
                f"{self.hub} already has two current lead schools ({names}). "
                "Give one of them an end date before adding another."
            )


class LeadershipTeamMember(models.Model):
    """A named person on a hub's leadership team, shown on its public page."""

    class Role(models.TextChoices):
        SENIOR_LEAD = "senior_lead", "Senior Lead"
        HUB_LEAD = "hub_lead", "Hub Lead"
        MATHS_LEAD = "maths_lead", "Maths Lead"
        PRIMARY_LEAD = "primary_lead", "Primary Maths Lead"
        SECONDARY_LEAD = "secondary_lead", "Secondary Maths Lead"
        POST16_LEAD = "post16_lead", "Post-16 Lead"
        PROJECT_MANAGER = "project_manager", "Project Manager"
        ADMINISTRATOR = "administrator", "Hub Administrator"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="leadership_team")
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role)
    email = models.EmailField("contact e-mail", blank=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["hub", "display_order", "name"]
        verbose_name = "leadership team member"

    def __str__(self) -> str:
        return f"{self.name}, {self.get_role_display()} ({self.hub})"
