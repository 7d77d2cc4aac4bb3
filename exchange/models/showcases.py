"""Showcase lessons during the Shanghai teachers' visit and the teachers who observe them."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from exchange.models.teachers import ExchangeTeacher, ShanghaiTeacher
from exchange.models.years import ExchangeYear
from hubs.models import Hub, School

MAX_OBSERVER_PLACES = 200


class ShowcaseQuerySet(models.QuerySet):
    def published(self):
        """Showcases the public can see: open for registration, or closed."""
        return self.filter(status__in=[Showcase.Status.OPEN, Showcase.Status.CLOSED])

    def taking_registrations(self, now: datetime | None = None):
        return self.filter(status=Showcase.Status.OPEN, starts_at__gt=now or timezone.now())


class Showcase(models.Model):
    """A lesson taught during the Shanghai teachers' visit, observed by teachers from
    neighbouring schools and followed by a post-lesson discussion."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for registration"
        CLOSED = "closed", "Closed"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="showcases")
    exchange_year = models.ForeignKey(
        ExchangeYear, on_delete=models.PROTECT, related_name="showcases"
    )
    host_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="showcases")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    class_and_topic = models.CharField(
        "class and topic", max_length=200, help_text="For example: Year 4: equivalent fractions."
    )
    shanghai_teacher = models.ForeignKey(
        ShanghaiTeacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="showcases",
        help_text="Who teaches the lesson, if they are known.",
    )
    observer_places = models.PositiveSmallIntegerField(
        "observer places",
        validators=[
            MinValueValidator(1, "Offer at least 1 observer place."),
            MaxValueValidator(
                MAX_OBSERVER_PLACES, f"Offer at most {MAX_OBSERVER_PLACES} observer places."
            ),
        ],
    )
    # Moved only by the services, in SQL (F() + 1) under the showcase's row
    # lock; the check constraint below is the backstop against overbooking.
    places_taken = models.PositiveSmallIntegerField(default=0, editable=False)
    discussion_notes = models.TextField(blank=True)
    notes_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShowcaseQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("observer_places")),
                name="showcase_not_overbooked",
                violation_error_message="All observer places are taken.",
            ),
            models.CheckConstraint(condition=Q(observer_places__gte=1), name="showcase_has_places"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="showcase_ends_after_it_starts",
                violation_error_message="The showcase must end after it starts.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="showcase_status_starts_idx"),
            models.Index(fields=["hub", "exchange_year"], name="showcase_hub_year_idx"),
            models.Index(fields=["exchange_year", "status"], name="showcase_year_status_idx"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.starts_at) if self.starts_at else None
        return f"{self.class_and_topic}, {when:%-d %B %Y}" if when else self.class_and_topic

    def get_absolute_url(self) -> str:
        return reverse("exchange:showcase", args=[self.pk])

    @property
    def places_left(self) -> int:
        return max(self.observer_places - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_taken >= self.observer_places

    def has_started(self, now: datetime | None = None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.ends_at <= (now or timezone.now())

    def refusal_reason(self, now: datetime | None = None) -> str | None:
        """Why nobody can register now, in words for the teacher; None when they can."""
        if self.status == self.Status.DRAFT:
            return "This showcase is not open for registration yet."
        if self.status == self.Status.CLOSED:
            return "Registration for this showcase has closed."
        if self.has_started(now):
            return "This showcase lesson has already taken place."
        if self.is_full:
            return "All observer places are taken."
        return None

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The showcase must end after it starts."
        if self.starts_at and self.exchange_year_id:
            year = self.exchange_year
            day = timezone.localdate(self.starts_at)
            if not year.during_shanghai_visit(day):
                errors["starts_at"] = (
                    "Showcases take place while the Shanghai teachers are in England: "
                    f"{year.shanghai_visit_start:%-d %B %Y} to {year.shanghai_visit_end:%-d %B %Y}."
                )
        if self.hub_id and self.exchange_year_id:
            if (
                self.host_school_id
                and not ExchangeTeacher.objects.filter(
                    hub_id=self.hub_id,
                    exchange_year_id=self.exchange_year_id,
                    school_id=self.host_school_id,
                ).exists()
            ):
                errors["host_school"] = (
                    "Choose the school of one of your hub's teachers in this year's exchange."
                )
            guest = self.shanghai_teacher
            if guest is not None and (
                guest.hub_id != self.hub_id or guest.exchange_year_id != self.exchange_year_id
            ):
                errors["shanghai_teacher"] = (
                    "Choose one of the Shanghai teachers your hub hosts this year."
                )
        if errors:
            raise ValidationError(errors)


class ObserverRegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ObserverRegistration.Status.REGISTERED)


class ObserverRegistration(models.Model):
    """A teacher's place to observe a showcase lesson."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        CANCELLED = "cancelled", "Cancelled"

    showcase = models.ForeignKey(Showcase, on_delete=models.PROTECT, related_name="registrations")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="showcase_registrations"
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        related_name="showcase_registrations",
        help_text="The teacher's school when they registered.",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.REGISTERED)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ObserverRegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "observer registration"
        constraints = [
            # One live registration per teacher per showcase; after cancelling
            # they may register again.
            models.UniqueConstraint(
                fields=["showcase", "teacher"],
                condition=Q(status="registered"),
                name="observer_one_active_per_teacher",
                violation_error_message="You are already registered to observe this lesson.",
            ),
        ]
        indexes = [
            models.Index(fields=["showcase", "status"], name="observer_showcase_idx"),
            models.Index(fields=["teacher", "status"], name="observer_teacher_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} observing {self.showcase} ({self.get_status_display()})"
