"""The teachers on the exchange: English nominations, Shanghai guests and who hosts whom."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from exchange.models.years import ExchangeYear, Phase
from hubs.models import Hub, School

MAX_TEACHERS_PER_HUB = 3
MIN_TEACHERS_PER_HUB = 2


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
