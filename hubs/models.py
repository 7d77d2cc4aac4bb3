"""England's school system and the Maths Hubs network: who is where, and who leads."""

import re
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from hubs_portal.lib.search import folded_contains, searchable

MAX_CURRENT_LEAD_SCHOOLS = 2


def normalise_postcode(value: str) -> str:
    """Upper case without spaces: 'le2 1aa' and 'LE21AA' match the same school."""
    return re.sub(r"\s+", "", value or "").upper()


class RecordStatus(models.TextChoices):
    """How sure we are of a fact copied from public sources."""

    CONFIRMED = "confirmed", "Confirmed"
    HISTORICAL = "historical", "Historical (2014-2019)"
    UNCONFIRMED = "unconfirmed", "Not yet confirmed"


class Region(models.Model):
    code = models.CharField("ONS code", max_length=9, unique=True)
    name = models.CharField(max_length=100, unique=True)
    gias_gor_code = models.CharField("GIAS GOR code", max_length=1, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalAuthority(models.Model):
    code = models.CharField(
        "DfE code", max_length=3, unique=True, help_text="The three-digit 'LA (code)' of GIAS."
    )
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="local_authorities")
    gss_code = models.CharField("ONS GSS code", max_length=9, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class SchoolQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=School.Status.OPEN)

    def search(self, text: str):
        """Schools whose name, URN or postcode matches what a teacher typed.

        A number is a URN; something shaped like a postcode (or its first half)
        matches postcodes by prefix; anything else matches the name, ignoring
        case, accents and punctuation ("St Theres" finds "St Thérèse's"). Each
        branch uses an index (the URN's unique index, a pattern index on the
        normalised postcode, a trigram index on the folded name).
        """
        text = " ".join(text.split())
        if not text:
            return self.none()
        if text.isascii() and text.isdigit():
            # A URN finds the school even once it has closed. URNs have six
            # digits; a longer number cannot be one (and would overflow).
            return self.filter(urn=int(text)) if len(text) <= 9 else self.none()
        current = self.exclude(status=School.Status.CLOSED)
        if looks_like_postcode(text):
            return current.filter(postcode_normalised__startswith=normalise_postcode(text))
        if not searchable(text):
            return self.none()
        return current.filter(folded_contains("name", text))


POSTCODE_PREFIX = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?(\s*[0-9]([A-Z]{0,2}))?$", re.IGNORECASE)


def looks_like_postcode(text: str) -> bool:
    return bool(POSTCODE_PREFIX.match(text.strip()))


class School(models.Model):
    """An establishment from the DfE's register (GIAS), keyed by its URN."""

    class Phase(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        MIDDLE_PRIMARY = "middle_primary", "Middle deemed primary"
        SECONDARY = "secondary", "Secondary"
        MIDDLE_SECONDARY = "middle_secondary", "Middle deemed secondary"
        SIXTEEN_PLUS = "16_plus", "16 plus"
        ALL_THROUGH = "all_through", "All-through"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        PROPOSED = "proposed", "Proposed to open"

    urn = models.PositiveIntegerField("URN", unique=True)
    name = models.CharField(max_length=200)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="schools"
    )
    phase = models.CharField(max_length=20, choices=Phase, default=Phase.NOT_APPLICABLE)
    establishment_type = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    postcode_normalised = models.CharField(max_length=10, blank=True, editable=False)
    fsm_percentage = models.DecimalField(
        "pupils eligible for free school meals (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            # The finder's postcode prefix search (LIKE 'X%'): on PostgreSQL,
            # a pattern-ops index is added in the migration.
            models.Index(fields=["postcode_normalised"], name="school_postcode_idx"),
            models.Index(fields=["local_authority", "status"], name="school_la_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fsm_percentage__isnull=True)
                | Q(fsm_percentage__gte=0, fsm_percentage__lte=100),
                name="school_fsm_percentage_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    def save(self, *args, **kwargs):
        self.postcode_normalised = normalise_postcode(self.postcode)
        if kwargs.get("update_fields") is not None and "postcode" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "postcode_normalised"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


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


class TeachingPhase(models.Model):
    """A phase that teachers teach and Work Groups are for: EYFS, primary, secondary, post-16."""

    # Seeded by migration 0003 and ensured again by load_reference_data.
    DEFAULTS = [
        ("eyfs", "Early years (EYFS)"),
        ("primary", "Primary"),
        ("secondary", "Secondary"),
        ("post16", "Post-16"),
    ]

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=50)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order"]

    def __str__(self) -> str:
        return self.name


class HubMembership(models.Model):
    """A person on a hub's team: its leads run the hub, members help."""

    class Role(models.TextChoices):
        LEAD = "lead", "Hub lead"
        MEMBER = "member", "Team member"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_memberships"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hub", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "user"], name="membership_once_per_hub"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.hub})"


class AuditEntry(models.Model):
    """Who changed what in a hub's records, when, and how it looked before and after."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="audit_entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    # The kind of record changed, as Django's own LogEntry keys it: a display
    # name such as "session" is ambiguous and changes when a model is renamed.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["hub", "-at"], name="audit_hub_at_idx"),
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user}: {self.action} {self.object_repr}"
