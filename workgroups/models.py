"""Work Groups: a series of sessions with gap tasks between them, and who takes part."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from hubs.models import Hub, School, TeachingPhase
from hubs_portal.lib.academic_year import Term, academic_year_label


class Programme(models.Model):
    """A national programme the NCETM designs for every hub."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.TextField(blank=True)
    phases = models.ManyToManyField(TeachingPhase, related_name="programmes", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkGroupQuerySet(models.QuerySet):
    def published(self):
        """What teachers may see: everything but drafts."""
        return self.exclude(status=WorkGroup.Status.DRAFT)

    def with_places(self):
        return self.filter(status=WorkGroup.Status.OPEN, places_taken__lt=F("capacity"))

    def for_listing(self):
        return self.select_related("hub__region", "programme").prefetch_related("phases")


class WorkGroup(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for applications"
        CLOSED = "closed", "Closed"

    class Delivery(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        BLENDED = "blended", "Blended (in person and online)"

    class Audience(models.TextChoices):
        TEACHERS = "teachers", "Teachers"
        SEND = "send", "Special schools and SEND"
        TEACHING_ASSISTANTS = "teaching_assistants", "Teaching assistants (HLTAs and LSAs)"
        MIXED_AGE = "mixed_age", "Teachers of mixed-age classes"
        LEADERS = "leaders", "Maths leads and senior leaders"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="workgroups")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workgroups",
        help_text="Leave empty for a Work Group the hub designed for a local need.",
    )
    local_need = models.TextField(
        blank=True, help_text="For a locally designed Work Group: the need it answers."
    )
    phases = models.ManyToManyField(TeachingPhase, related_name="workgroups")
    audience = models.CharField(max_length=20, choices=Audience, default=Audience.TEACHERS)
    description = models.TextField()
    delivery = models.CharField(max_length=10, choices=Delivery, default=Delivery.IN_PERSON)
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year the academic year starts in: 2026 for 2026-27."
    )
    capacity = models.PositiveSmallIntegerField("places")
    # Confirmed and completed enrolments; kept in step by the enrolment
    # services inside the same transaction, and never above capacity.
    places_taken = models.PositiveSmallIntegerField(default=0, editable=False)
    eligibility = models.TextField("who it is for", blank=True)
    application_deadline = models.DateField(null=True, blank=True)
    cost = models.DecimalField(
        max_digits=7, decimal_places=2, default=0, help_text="0 means fully funded."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    lead_name = models.CharField("lead", max_length=150, blank=True)
    # Set from the sessions, for sorting and the term filter.
    starts_on = models.DateField(null=True, blank=True, editable=False)
    starting_term = models.CharField(max_length=6, choices=Term.CHOICES, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkGroupQuerySet.as_manager()

    class Meta:
        ordering = [F("starts_on").asc(nulls_last=True), "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("capacity")),
                name="workgroup_not_overbooked",
                violation_error_message="A Work Group cannot have more confirmed places than places.",
            ),
            models.CheckConstraint(
                condition=Q(programme__isnull=False) | ~Q(local_need=""),
                name="workgroup_programme_or_local_need",
                violation_error_message=(
                    "Choose the national programme it follows, or describe the local need it answers."
                ),
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="workgroup_has_places"),
        ]
        indexes = [
            models.Index(fields=["status", "starts_on"], name="workgroup_status_start_idx"),
            models.Index(fields=["academic_year", "starting_term"], name="workgroup_year_term_idx"),
            models.Index(fields=["hub", "academic_year"], name="workgroup_hub_year_idx"),
            models.Index(fields=["delivery"], name="workgroup_delivery_idx"),
            # The public catalogue (all but drafts; docs/benchmarks.md, make load):
            # the years its filter offers, read on every request (an index-only
            # scan instead of reading the table), and its pages in their order,
            # within one year and over all years (the first 20 without a sort).
            models.Index(
                fields=["academic_year"],
                condition=~Q(status="draft"),
                name="workgroup_published_year_idx",
            ),
            models.Index(
                fields=["academic_year", "starts_on", "title", "id"],
                condition=~Q(status="draft"),
                name="workgroup_pub_year_order_idx",
            ),
            models.Index(
                fields=["starts_on", "title", "id"],
                condition=~Q(status="draft"),
                name="workgroup_published_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workgroups:detail", args=[self.slug])

    @property
    def academic_year_label(self) -> str:
        return academic_year_label(self.academic_year)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_taken >= self.capacity

    def deadline_passed(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.application_deadline is not None and today > self.application_deadline

    def refusal_reason(self, today: date | None = None) -> str | None:
        """Why nobody can join now, in words for the teacher; None when they can."""
        if self.status == self.Status.DRAFT:
            return "This Work Group is not open for applications yet."
        if self.status == self.Status.CLOSED:
            return "This Work Group is closed to new applications."
        if self.deadline_passed(today):
            return (
                "The deadline for applications was "
                f"{self.application_deadline:%-d %B %Y}, so this Work Group is no longer "
                "taking applications."
            )
        return None

    def refresh_dates(self) -> None:
        first = self.sessions.order_by("starts_at").values_list("starts_at", flat=True).first()
        self.starts_on = timezone.localdate(first) if first else None
        self.starting_term = Term.of(self.starts_on) if self.starts_on else ""
        WorkGroup.objects.filter(pk=self.pk).update(
            starts_on=self.starts_on, starting_term=self.starting_term
        )


class Session(models.Model):
    workgroup = models.ForeignKey(WorkGroup, on_delete=models.CASCADE, related_name="sessions")
    order = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_online = models.BooleanField(default=False)
    venue_name = models.CharField(max_length=200, blank=True)
    venue_address = models.CharField(max_length=300, blank=True)
    gap_task = models.TextField(
        blank=True, help_text="What participants try in class before the next session."
    )

    class Meta:
        ordering = ["workgroup", "order"]
        constraints = [
            models.UniqueConstraint(fields=["workgroup", "order"], name="session_order_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message="A session must end after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="session_starts_idx")]

    def __str__(self) -> str:
        return f"{self.workgroup}: session {self.order}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.workgroup.refresh_dates()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.workgroup.refresh_dates()
        return result

    @property
    def where(self) -> str:
        if self.is_online:
            return "Online"
        return ", ".join(part for part in [self.venue_name, self.venue_address] if part)


class EnrolmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Enrolment.ACTIVE)

    def with_waiting_position(self):
        """Annotate ``waiting_position`` (1 = next to be offered a place) in one query."""
        ahead = (
            Enrolment.objects.filter(
                workgroup=OuterRef("workgroup"),
                status=Enrolment.Status.WAITING,
                requested_at__lt=OuterRef("requested_at"),
            )
            .order_by()
            .values("workgroup")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(waiting_ahead=Coalesce(Subquery(ahead), 0))


class Enrolment(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Place confirmed"
        WAITING = "waiting", "On the waiting list"
        WITHDRAWN = "withdrawn", "Withdrawn"
        COMPLETED = "completed", "Completed"

    ACTIVE = (Status.CONFIRMED, Status.WAITING, Status.COMPLETED)
    HOLDS_PLACE = (Status.CONFIRMED, Status.COMPLETED)

    workgroup = models.ForeignKey(WorkGroup, on_delete=models.PROTECT, related_name="enrolments")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        related_name="enrolments",
        help_text="The teacher's school when they joined.",
    )
    status = models.CharField(max_length=10, choices=Status)
    # When the teacher asked to join: the waiting list is served in this order.
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            # One live enrolment per teacher per group; after withdrawing
            # they may apply again.
            models.UniqueConstraint(
                fields=["workgroup", "teacher"],
                condition=Q(status__in=["confirmed", "waiting", "completed"]),
                name="enrolment_one_active_per_teacher",
                violation_error_message="You are already enrolled in this Work Group.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workgroup", "status", "requested_at"], name="enrolment_queue_idx"
            ),
            models.Index(fields=["teacher", "status"], name="enrolment_teacher_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} in {self.workgroup} ({self.get_status_display()})"

    @property
    def waiting_position(self) -> int | None:
        if self.status != self.Status.WAITING or not hasattr(self, "waiting_ahead"):
            return None
        return self.waiting_ahead + 1


# --- What hub teams record as a Work Group runs ------------------------------


class Attendance(models.Model):
    """Whether a participant came to a session, as the hub team recorded it."""

    # PROTECT: a session with attendance on record is kept (the hub reports on it).
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "enrolment"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.enrolment.teacher}: {'present' if self.present else 'absent'} at {self.session}"
        )


class Evaluation(models.Model):
    """What a Work Group achieved, written by the hub team once it has closed."""

    workgroup = models.OneToOneField(WorkGroup, on_delete=models.CASCADE, related_name="evaluation")
    outcomes = models.TextField()
    impact_notes = models.TextField("impact on teachers and pupils")
    # Counted from the enrolments when the evaluation is saved.
    completed_count = models.PositiveSmallIntegerField(default=0)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Evaluation of {self.workgroup}"


class ParticipantMessage(models.Model):
    """An e-mail the hub team sent to a Work Group's participants.

    Its id is part of each recipient's outbox key, so sending it records one
    e-mail per participant however often the send is retried.
    """

    workgroup = models.ForeignKey(WorkGroup, on_delete=models.CASCADE, related_name="messages")
    subject = models.CharField(max_length=150)
    body = models.TextField()
    include_waiting = models.BooleanField(default=False)
    recipient_count = models.PositiveSmallIntegerField(default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject
