"""The England-China (Shanghai) teacher exchange: years, teachers, pairings, showcases.

Each year two or three English teachers from every hub spend two weeks in
Shanghai; later in the school year Shanghai teachers spend a fortnight at
those teachers' schools, and the hub runs "showcase" lessons that teachers
from neighbouring schools come to observe.
"""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from hubs.models import Hub, School
from hubs_portal.lib.academic_year import academic_year_label, parse_academic_year

FIRST_EXCHANGE_YEAR = 2014
MAX_TEACHERS_PER_HUB = 3
MIN_TEACHERS_PER_HUB = 2
MAX_OBSERVER_PLACES = 200


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


class ExchangeTeacher(models.Model):
    """An English teacher nominated by a hub for one year's exchange."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="exchange_teachers")
    exchange_year = models.ForeignKey(
        ExchangeYear, on_delete=models.PROTECT, related_name="nominations"
    )
    teacher_name = models.CharField(max_length=150)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="exchange_teachers")
    phase = models.CharField(max_length=10, choices=Phase)
    email = models.EmailField("e-mail", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["exchange_year", "hub", "teacher_name", "pk"]
        verbose_name = "exchange teacher"
        constraints = [
            models.UniqueConstraint(
                Lower("teacher_name"),
                "school",
                "exchange_year",
                name="exchange_teacher_once_per_year",
                violation_error_message="This teacher is already nominated for this year.",
            ),
        ]
        indexes = [models.Index(fields=["hub", "exchange_year"], name="exchange_teacher_hub_idx")]

    def __str__(self) -> str:
        return f"{self.teacher_name}, {self.school.name}"

    def clean(self):
        super().clean()
        if not self.hub_id or not self.exchange_year_id:
            return
        # Two or three teachers per hub and year. A check constraint sees one
        # row at a time, so a count across rows cannot be one (short of a
        # trigger): every write path runs this check, and nomination_add
        # locks the hub row first so that two leads cannot both add a third.
        others = list(
            ExchangeTeacher.objects.filter(
                hub_id=self.hub_id, exchange_year_id=self.exchange_year_id
            )
            .exclude(pk=self.pk)
            .order_by("teacher_name")
            .values_list("teacher_name", flat=True)
        )
        if len(others) >= MAX_TEACHERS_PER_HUB:
            year = ExchangeYear.objects.get(pk=self.exchange_year_id)
            raise ValidationError(
                {
                    "exchange_year": (
                        f"Your hub has already nominated three teachers for {year.label} "
                        f"({', '.join(others[:-1])} and {others[-1]}), the most a hub can "
                        "send. Remove one of them before nominating someone else."
                    )
                }
            )


class ShanghaiTeacher(models.Model):
    """A teacher from Shanghai hosted by a hub, at the school of the English teacher(s)
    they are paired with. The hub is the one that hosts them, so its team keeps the record."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="shanghai_teachers")
    exchange_year = models.ForeignKey(
        ExchangeYear, on_delete=models.PROTECT, related_name="shanghai_teachers"
    )
    name = models.CharField(max_length=150)
    shanghai_school = models.CharField("school in Shanghai", max_length=200)
    phase = models.CharField(max_length=10, choices=Phase)
    hosts = models.ManyToManyField(
        ExchangeTeacher, through="Pairing", related_name="guests", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["exchange_year", "hub", "name", "pk"]
        verbose_name = "Shanghai teacher"
        indexes = [models.Index(fields=["hub", "exchange_year"], name="shanghai_teacher_hub_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.shanghai_school})"


class Pairing(models.Model):
    """An English teacher hosting a Shanghai teacher at their school."""

    shanghai_teacher = models.ForeignKey(
        ShanghaiTeacher, on_delete=models.CASCADE, related_name="pairings"
    )
    # PROTECT: a nomination hosting someone is not removed by accident.
    english_teacher = models.ForeignKey(
        ExchangeTeacher, on_delete=models.PROTECT, related_name="pairings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["shanghai_teacher", "english_teacher"]
        constraints = [
            models.UniqueConstraint(
                fields=["shanghai_teacher", "english_teacher"], name="pairing_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.english_teacher.teacher_name} hosts {self.shanghai_teacher.name}"

    @property
    def host_school(self) -> School:
        return self.english_teacher.school

    def clean(self):
        super().clean()
        if not self.shanghai_teacher_id or not self.english_teacher_id:
            return
        hosts = [
            *ExchangeTeacher.objects.filter(
                pairings__shanghai_teacher_id=self.shanghai_teacher_id
            ).exclude(pk=self.english_teacher_id),
            self.english_teacher,
        ]
        problem = pairing_problem(self.shanghai_teacher, hosts)
        if problem:
            raise ValidationError({"english_teacher": problem})


def pairing_problem(guest: ShanghaiTeacher, hosts: list[ExchangeTeacher]) -> str | None:
    """Why these English teachers cannot host this Shanghai teacher; None if they can.

    Hosts are the hub's nominations of the same year, all at one school: the
    Shanghai teacher teaches at that school for the fortnight.
    """
    for host in hosts:
        if host.hub_id != guest.hub_id or host.exchange_year_id != guest.exchange_year_id:
            return (
                f"{host.teacher_name} is not one of your hub's teachers for this year's exchange."
            )
    if len({host.school_id for host in hosts}) > 1:
        return "A Shanghai teacher is hosted at one school: choose teachers from the same school."
    return None


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
