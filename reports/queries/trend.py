"""Totals per academic year, oldest first; finished years are cached."""

from dataclasses import dataclass
from decimal import Decimal
from hashlib import sha256

from django.core.cache import cache
from django.db.models import Count, Q, Sum

from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from hubs_portal.lib.figures import percentage
from workgroups.models import Enrolment, WorkGroup

from .filters import HOLDS_PLACE, Filters, distinct_counts, of_phase

# Finished school years change rarely (a completion recorded late), and
# counting distinct schools and teachers over ten years reads every enrolment:
# the trend caches them for this long. The current year is always live.
TREND_CACHE_SECONDS = 15 * 60


@dataclass
class YearRow:
    year: int
    schools: int = 0
    teachers: int = 0
    held: int = 0
    completed: int = 0
    waiting: int = 0
    national_groups: int = 0
    local_groups: int = 0
    places_offered: int = 0
    places_filled: int = 0

    @property
    def label(self) -> str:
        return academic_year_label(self.year)

    @property
    def groups(self) -> int:
        return self.national_groups + self.local_groups

    @property
    def completion_rate(self) -> Decimal | None:
        return percentage(self.completed, self.held)


def _hub_condition(prefix: str, filters: Filters, hub_ids: list[int] | None) -> Q:
    condition = Q()
    if filters.region_code:
        condition &= Q(**{f"{prefix}hub__region__code": filters.region_code})
    if hub_ids is not None:
        condition &= Q(**{f"{prefix}hub_id__in": hub_ids})
    return condition


def _enrolments_by_year(filters: Filters, hub_ids: list[int] | None, years: Q) -> dict:
    enrolments = Enrolment.objects.filter(_hub_condition("workgroup__", filters, hub_ids), years)
    if group := filters.phase_group:
        enrolments = enrolments.filter(school__phase__in=group.school_phases)
    return {
        line.pop("workgroup__academic_year"): line
        for line in enrolments.order_by()
        .values("workgroup__academic_year")
        .annotate(
            **distinct_counts(),
            held=Count("status", filter=HOLDS_PLACE),
            completed=Count("status", filter=Q(status=Enrolment.Status.COMPLETED)),
            waiting=Count("status", filter=Q(status=Enrolment.Status.WAITING)),
        )
    }


def yearly_totals(filters: Filters, hub_ids: list[int] | None) -> list[YearRow]:
    """Totals per academic year over the hubs given (None: every hub), oldest first.

    Queries: 1 Work Groups per year; 2 enrolments in this and later years;
    3 enrolments in earlier years, unless cached (see TREND_CACHE_SECONDS).
    Schools and teachers are counted distinct within each year.
    """
    this_year = current_academic_year()
    groups = of_phase(
        WorkGroup.objects.published().filter(_hub_condition("", filters, hub_ids)), filters
    )
    rows: dict[int, YearRow] = {}
    for line in (
        groups.order_by()
        .values("academic_year")
        .annotate(
            national_groups=Count("pk", filter=Q(programme__isnull=False)),
            local_groups=Count("pk", filter=Q(programme__isnull=True)),
            places_offered=Sum("capacity"),
            places_filled=Sum("places_taken"),
        )
    ):
        year = line.pop("academic_year")
        rows[year] = YearRow(year=year, **line)

    live = _enrolments_by_year(filters, hub_ids, Q(workgroup__academic_year__gte=this_year))
    key = (
        "reports:trend:"
        + sha256(
            repr(
                (
                    this_year,
                    filters.region_code,
                    filters.phase,
                    sorted(hub_ids or []),
                    hub_ids is None,
                )
            ).encode()
        ).hexdigest()
    )
    past = cache.get(key)
    if past is None:
        past = _enrolments_by_year(filters, hub_ids, Q(workgroup__academic_year__lt=this_year))
        cache.set(key, past, TREND_CACHE_SECONDS)
    for year, line in {**past, **live}.items():
        row = rows.setdefault(year, YearRow(year=year))
        for name, value in line.items():
            setattr(row, name, value)
    return [rows[year] for year in sorted(rows)]
