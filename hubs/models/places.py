"""Where schools are: regions, local authorities, the register of schools, teaching phases."""

import re

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from hubs_portal.lib.search import folded_contains, searchable


def normalise_postcode(value: str) -> str:
    """Upper case without spaces: 'le2 1aa' and 'LE21AA' match the same school."""
    return re.sub(r"\s+", "", value or "").upper()


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
