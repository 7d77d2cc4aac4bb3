"""The exchange's years, with the dates of both visits."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from hubs_portal.lib.academic_year import academic_year_label, parse_academic_year

FIRST_EXCHANGE_YEAR = 2014


class Phase(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class ExchangeYearQuerySet(models.QuerySet):
    def by_label(self, label: str):
        """The year written "2016-17" (None for anything that is not a school year)."""
        start = parse_academic_year(label)
        if start is None or label != academic_year_label(start):
            return None
        return self.filter(academic_year=start).first()


class ExchangeYear(models.Model):
    """One year of the exchange, with the dates of both visits when they are known."""

    academic_year = models.PositiveSmallIntegerField(
        "school year",
        unique=True,
        validators=[
            MinValueValidator(
                FIRST_EXCHANGE_YEAR, "The exchange began in 2014-15: enter 2014 or later."
            ),
            MaxValueValidator(2100, "Enter the year the school year starts, for example 2016."),
        ],
        help_text="The year the school year starts: 2016 for 2016-17.",
    )
    english_visit_start = models.DateField(
        "English teachers arrive in Shanghai", null=True, blank=True
    )
    english_visit_end = models.DateField("English teachers leave Shanghai", null=True, blank=True)
    shanghai_visit_start = models.DateField(
        "Shanghai teachers arrive in England", null=True, blank=True
    )
    shanghai_visit_end = models.DateField("Shanghai teachers leave England", null=True, blank=True)

    objects = ExchangeYearQuerySet.as_manager()

    VISITS = [
        ("english_visit_start", "english_visit_end", "The English teachers' visit"),
        ("shanghai_visit_start", "shanghai_visit_end", "The Shanghai teachers' visit"),
    ]

    class Meta:
        ordering = ["-academic_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(english_visit_start__isnull=True, english_visit_end__isnull=True)
                | Q(english_visit_end__gt=F("english_visit_start")),
                name="exchange_year_english_visit_in_order",
                violation_error_message="The English teachers' visit must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(shanghai_visit_start__isnull=True, shanghai_visit_end__isnull=True)
                | Q(shanghai_visit_end__gt=F("shanghai_visit_start")),
                name="exchange_year_shanghai_visit_in_order",
                violation_error_message="The Shanghai teachers' visit must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"England-China exchange {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("exchange:year", args=[self.label])

    @property
    def label(self) -> str:
        return academic_year_label(self.academic_year)

    @property
    def first_day(self) -> date:
        return date(self.academic_year, 9, 1)

    @property
    def last_day(self) -> date:
        return date(self.academic_year + 1, 8, 31)

    def clean(self):
        super().clean()
        errors = {}
        for start_field, end_field, visit in self.VISITS:
            start, end = getattr(self, start_field), getattr(self, end_field)
            if (start is None) != (end is None):
                missing = end_field if end is None else start_field
                errors[missing] = f"{visit}: give both dates, or leave both empty."
            elif start is not None and end <= start:
                errors[end_field] = f"{visit} must end after it starts."
            elif (
                start is not None
                and self.academic_year
                and (start < self.first_day or end > self.last_day)
            ):
                errors[start_field] = (
                    f"{visit} must fall within the {self.label} school year "
                    f"(1 September {self.academic_year} to 31 August "
                    f"{self.academic_year + 1})."
                )
        if errors:
            raise ValidationError(errors)

    def during_shanghai_visit(self, day: date) -> bool:
        """Whether ``day`` is in the Shanghai teachers' fortnight (True when it is not recorded)."""
        if self.shanghai_visit_start is None or self.shanghai_visit_end is None:
            return True
        return self.shanghai_visit_start <= day <= self.shanghai_visit_end
