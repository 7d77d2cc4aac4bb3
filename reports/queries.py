"""The figures behind the reports, computed by PostgreSQL.

Every function here runs a fixed number of queries whatever the size of the
network: grouped aggregates (one row per hub, region or year), filtered
aggregates and COUNT(DISTINCT ...), never a loop over enrolments in Python.
What is summed over the forty hub rows in Python (places, money, attendance
records) adds up exactly; anything counted distinct (schools, teachers) is
counted again by the database for a region or the nation, because a school
with teachers in two hubs is one school nationally.

"Engaged" means holding a place: an enrolment that is confirmed or completed.
Waiting and withdrawn enrolments never count as engagement.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from hashlib import sha256
from typing import NamedTuple
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from exchange.models import ExchangeTeacher
from hubs.models import Hub, School
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from projects.models import Allocation, ProjectParticipation, Spend
from workgroups.models import Attendance, Enrolment, Session, WorkGroup

from .access import ReportScope

HELD = [str(status) for status in Enrolment.HOLDS_PLACE]
HOLDS_PLACE = Q(status__in=HELD)
ZERO = Decimal("0.00")

# Finished school years change rarely (a completion recorded late), and
# counting distinct schools and teachers over ten years reads every enrolment:
# the trend caches them for this long. The current year is always live.
TREND_CACHE_SECONDS = 15 * 60


class PhaseGroup(NamedTuple):
    """A phase to filter by: the register's school phases, and the Work Groups for them."""

    label: str
    school_phases: tuple[str, ...]
    # Teaching phases of the Work Groups counted; None: Work Groups of any phase.
    teaching_phases: tuple[str, ...] | None


P = School.Phase
PHASES: dict[str, PhaseGroup] = {
    "primary": PhaseGroup("Primary", (P.PRIMARY, P.MIDDLE_PRIMARY), ("eyfs", "primary")),
    "secondary": PhaseGroup(
        "Secondary", (P.SECONDARY, P.MIDDLE_SECONDARY), ("secondary", "post16")
    ),
    "all_through": PhaseGroup("All-through", (P.ALL_THROUGH,), None),
    "16_plus": PhaseGroup("16 plus (colleges)", (P.SIXTEEN_PLUS,), ("post16",)),
    "nursery": PhaseGroup("Nursery", (P.NURSERY,), ("eyfs",)),
    "not_applicable": PhaseGroup(
        "No phase (special schools, pupil referral units and others)", (P.NOT_APPLICABLE,), None
    ),
}
PHASE_OF_SCHOOL = {school: key for key, group in PHASES.items() for school in group.school_phases}


def rate(part, whole) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal place (half up); None if no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Filters:
    """The report's filters, already checked (see forms.ReportFilterForm)."""

    year: int
    region_code: str = ""
    region_name: str = ""
    phase: str = ""

    @property
    def year_label(self) -> str:
        return academic_year_label(self.year)

    @property
    def phase_group(self) -> PhaseGroup | None:
        return PHASES.get(self.phase)

    @property
    def phase_label(self) -> str:
        group = self.phase_group
        return group.label if group else ""

    @property
    def query_string(self) -> str:
        return self.query()

    @property
    def drill_query(self) -> str:
        """For links to a region, hub or the other reports: year and phase, not the region."""
        return self.query(region=False)

    def query(self, *, region: bool = True, year: bool = True) -> str:
        """The query string that keeps these filters on a drill-down link ("" if none)."""
        params = {}
        if year:
            params["year"] = self.year
        if region and self.region_code:
            params["region"] = self.region_code
        if self.phase:
            params["phase"] = self.phase
        return f"?{urlencode(params)}" if params else ""


# --- The main report: one row per hub ------------------------------------------------------


@dataclass
class Figures:
    """The main report's figures for one hub, one region or every hub shown."""

    schools: int = 0
    area_schools: int | None = None
    area_engaged: int | None = None
    teachers: int = 0
    held: int = 0
    completed: int = 0
    waiting: int = 0
    national_groups: int = 0
    local_groups: int = 0
    places_offered: int = 0
    places_filled: int = 0
    present: int = 0
    recorded: int = 0
    projects: int = 0
    exchange: int = 0
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    classroom_cpd: Decimal = ZERO

    # Figures that add up over hubs; the others are counted by the database.
    ADDITIVE = (
        "held",
        "completed",
        "waiting",
        "national_groups",
        "local_groups",
        "places_offered",
        "places_filled",
        "present",
        "recorded",
        "projects",
        "exchange",
        "allocated",
        "spent",
        "classroom_cpd",
    )

    @property
    def groups(self) -> int:
        return self.national_groups + self.local_groups

    @property
    def area_share(self) -> Decimal | None:
        return rate(self.area_engaged or 0, self.area_schools)

    @property
    def attendance_rate(self) -> Decimal | None:
        return rate(self.present, self.recorded)

    @property
    def completion_rate(self) -> Decimal | None:
        return rate(self.completed, self.held)

    @property
    def cpd_share(self) -> Decimal | None:
        return rate(self.classroom_cpd, self.spent)

    def add(self, other: "Figures") -> None:
        for name in self.ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class HubRow:
    hub: Hub
    figures: Figures = field(default_factory=Figures)


@dataclass
class RegionRow:
    code: str
    name: str
    hubs: int = 0
    figures: Figures = field(default_factory=Figures)


@dataclass
class NetworkReport:
    rows: list[HubRow]
    # Only for readers who may see them (NCETM staff): hidden from hub teams.
    total: Figures | None = None
    regions: list[RegionRow] | None = None


def scoped_hubs(filters: Filters, scope: ReportScope) -> list[Hub]:
    """The hubs the report shows: the region's (if chosen) that the reader may see. One query."""
    hubs = Hub.objects.select_related("region").order_by("name")
    if filters.region_code:
        hubs = hubs.filter(region__code=filters.region_code)
    if scope.hub_ids is not None:
        hubs = hubs.filter(pk__in=scope.hub_ids)
    return list(hubs)


def _distinct_counts() -> dict:
    # COUNT(DISTINCT ...) on the enrolment's own columns: no join. With an
    # index on (workgroup) INCLUDE (status, school, teacher), PostgreSQL
    # reads the index alone.
    return {
        "schools": Count("school", distinct=True, filter=HOLDS_PLACE),
        "teachers": Count("teacher", distinct=True, filter=HOLDS_PLACE),
    }


def _workgroups(filters: Filters, hub_ids: list[int]):
    groups = WorkGroup.objects.published().filter(academic_year=filters.year, hub_id__in=hub_ids)
    group = filters.phase_group
    if group and group.teaching_phases:
        for_phase = WorkGroup.phases.through.objects.filter(
            workgroup_id=OuterRef("pk"), teachingphase__code__in=group.teaching_phases
        )
        groups = groups.filter(Exists(for_phase))
    return groups.order_by()


def network_report(
    filters: Filters, hubs: list[Hub], *, totals: bool, regions: bool = False
) -> NetworkReport:
    """One row of figures per hub, with the totals (and region rows) when asked for.

    Queries (whatever the number of enrolments): 1 enrolments per hub, 2 open
    schools in each hub's area (and in the union of the areas), 3 attendance
    per hub, 4 Work Groups per hub, 5 project participations, 6 exchange
    teachers, 7 allocations, 8 spending; with ``totals`` 9 distinct schools
    and teachers over all the hubs; with ``regions`` 10 the same per region.
    """
    hub_ids = [hub.pk for hub in hubs]
    rows = {hub.pk: HubRow(hub) for hub in hubs}
    union_area = (0, 0)

    for hub_id, line in _enrolment_figures(filters, hub_ids, "hub"):
        figures = rows[hub_id].figures
        for name, value in line.items():
            setattr(figures, name, value)
    for hub_id, schools in _area_schools(filters, hub_ids, union=totals):
        if hub_id is None:
            union_area = (schools, union_area[1])
        else:
            rows[hub_id].figures.area_schools = schools
    for row in rows.values():
        row.figures.area_schools = row.figures.area_schools or 0
        row.figures.area_engaged = row.figures.area_engaged or 0

    # Which way to reach the Work Group depends on the filter (measured at
    # national scale, 1,000,000 enrolments): with a phase filter the school is
    # reached through the enrolment anyway, and grouping through the enrolment
    # too avoids scanning every enrolment (the query 296 -> 162 ms); without
    # one, going through the session is the faster plan. An attendance row's
    # session and enrolment always belong to the same Work Group.
    via = "enrolment" if filters.phase_group else "session"
    attendance = Attendance.objects.filter(
        **{
            f"{via}__workgroup__academic_year": filters.year,
            f"{via}__workgroup__hub_id__in": hub_ids,
        }
    )
    if group := filters.phase_group:
        attendance = attendance.filter(enrolment__school__phase__in=group.school_phases)
    for line in (
        attendance.order_by()
        .values(hub=F(f"{via}__workgroup__hub_id"))
        .annotate(attended=Count("present", filter=Q(present=True)), recorded=Count("present"))
    ):
        figures = rows[line["hub"]].figures
        figures.present, figures.recorded = line["attended"], line["recorded"]

    for line in (
        _workgroups(filters, hub_ids)
        .values("hub_id")
        .annotate(
            national_groups=Count("pk", filter=Q(programme__isnull=False)),
            local_groups=Count("pk", filter=Q(programme__isnull=True)),
            places_offered=Sum("capacity"),
            places_filled=Sum("places_taken"),
        )
    ):
        figures = rows[line.pop("hub_id")].figures
        for name, value in line.items():
            setattr(figures, name, value)

    in_year = {"academic_year": filters.year, "hub_id__in": hub_ids}
    counted = [
        ("projects", ProjectParticipation.objects.filter(**in_year)),
        (
            "exchange",
            ExchangeTeacher.objects.filter(
                exchange_year__academic_year=filters.year, hub_id__in=hub_ids
            ),
        ),
    ]
    for name, queryset in counted:
        for line in queryset.order_by().values("hub_id").annotate(n=Count("pk")):
            setattr(rows[line["hub_id"]].figures, name, line["n"])
    for line in (
        Allocation.objects.filter(**in_year).order_by().values("hub_id").annotate(t=Sum("amount"))
    ):
        rows[line["hub_id"]].figures.allocated = line["t"]
    for line in (
        Spend.objects.filter(**in_year)
        .order_by()
        .values("hub_id")
        .annotate(
            t=Sum("amount"),
            cpd=Sum("amount", filter=Q(category=Spend.Category.CLASSROOM_CPD), default=ZERO),
        )
    ):
        rows[line["hub_id"]].figures.spent = line["t"]
        rows[line["hub_id"]].figures.classroom_cpd = line["cpd"]

    report = NetworkReport(rows=list(rows.values()))
    if not (totals or regions):
        return report
    total = Figures()
    by_region: dict[int, RegionRow] = {}
    for row in report.rows:
        total.add(row.figures)
        region = row.hub.region
        line = by_region.setdefault(region.pk, RegionRow(region.code, region.name))
        line.hubs += 1
        line.figures.add(row.figures)
    # Schools and teachers once overall and once per region: counted again, not summed.
    if totals:
        for _key, line in _enrolment_figures(filters, hub_ids, "all"):
            total.schools, total.teachers = line["schools"], line["teachers"]
            union_area = (union_area[0], line["area_engaged"])
        total.area_schools, total.area_engaged = union_area
        report.total = total
    if regions:
        for region_id, line in _enrolment_figures(filters, hub_ids, "region"):
            figures = by_region[region_id].figures
            figures.schools, figures.teachers = line["schools"], line["teachers"]
        report.regions = sorted(by_region.values(), key=lambda region: region.name)
    return report


_ENROLMENT_SQL = """
SELECT {key}, {aggregates}
FROM {enrolment} e
JOIN {workgroup} wg ON wg.id = e.workgroup_id
{joins}
WHERE wg.academic_year = %(year)s AND wg.hub_id = ANY(%(hubs)s) {phase_condition}
{group_by}
"""

_HELD = "e.status = ANY(%(held)s)"
_DISTINCT = [
    f"count(DISTINCT e.school_id) FILTER (WHERE {_HELD}) AS schools",
    f"count(DISTINCT e.teacher_id) FILTER (WHERE {_HELD}) AS teachers",
]
_COUNTS = [
    f"count(e.status) FILTER (WHERE {_HELD}) AS held",
    "count(e.status) FILTER (WHERE e.status = %(completed)s) AS completed",
    "count(e.status) FILTER (WHERE e.status = %(waiting)s) AS waiting",
]
# Whether an engaged school is an open school in the area: of its own hub per
# hub, of any hub shown overall. Both subqueries are uncorrelated, so
# PostgreSQL hashes them once instead of joining row by row (a join here
# made it sort every enrolment).
_IN_HUB_AREA = (
    "s.status = %(open)s AND (wg.hub_id, s.local_authority_id) IN "
    "(SELECT hub_id, localauthority_id FROM {hub_areas} WHERE hub_id = ANY(%(hubs)s))"
)
_IN_ANY_AREA = (
    "s.status = %(open)s AND s.local_authority_id IN "
    "(SELECT localauthority_id FROM {hub_areas} WHERE hub_id = ANY(%(hubs)s))"
)
_ENROLMENT_SHAPES = {
    # by: (key, aggregates, needs the school, needs the hub, GROUP BY)
    "hub": ("wg.hub_id", [*_DISTINCT, *_COUNTS, "area"], True, False, "GROUP BY wg.hub_id"),
    "region": ("h.region_id", _DISTINCT, False, True, "GROUP BY h.region_id"),
    "all": ("NULL", [*_DISTINCT, "area"], True, False, ""),
}


def _enrolment_figures(filters: Filters, hub_ids: list[int], by: str) -> list[tuple]:
    """One year's enrolment figures by hub, by region or over all the hubs given (one query).

    Returns (key, figures) pairs: key is the hub id, the region id or None.
    Schools and teachers are counted distinct within each row; with "hub" and
    "all", ``area_engaged`` counts the engaged schools in the hub's area (by
    hub) or in any of the hubs' areas (all).
    """
    if not hub_ids:
        return []
    key, aggregates, with_school, with_hub, group_by = _ENROLMENT_SHAPES[by]
    hub_areas = Hub.local_authorities.through._meta.db_table
    in_area = (_IN_HUB_AREA if by == "hub" else _IN_ANY_AREA).format(hub_areas=hub_areas)
    aggregates = [
        f"count(DISTINCT e.school_id) FILTER (WHERE {_HELD} AND {in_area}) AS area_engaged"
        if aggregate == "area"
        else aggregate
        for aggregate in aggregates
    ]
    params = {
        "year": filters.year,
        "hubs": hub_ids,
        "held": HELD,
        "completed": Enrolment.Status.COMPLETED.value,
        "waiting": Enrolment.Status.WAITING.value,
        "open": School.Status.OPEN.value,
    }
    phase_condition = ""
    if group := filters.phase_group:
        phase_condition = "AND s.phase = ANY(%(phases)s)"
        params["phases"] = [str(phase) for phase in group.school_phases]
        with_school = True
    joins = []
    if with_hub:
        joins.append(f"JOIN {Hub._meta.db_table} h ON h.id = wg.hub_id")
    if with_school:
        joins.append(f"LEFT JOIN {School._meta.db_table} s ON s.id = e.school_id")
    sql = _ENROLMENT_SQL.format(
        key=key,
        aggregates=",\n       ".join(aggregates),
        enrolment=Enrolment._meta.db_table,
        workgroup=WorkGroup._meta.db_table,
        joins="\n".join(joins),
        phase_condition=phase_condition,
        group_by=group_by,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description][1:]
        return [(key, dict(zip(names, counts, strict=True))) for key, *counts in cursor.fetchall()]


_AREA_SCHOOLS_SQL = """
SELECT area.hub_id, GROUPING(area.hub_id) = 0, count(DISTINCT s.id)
FROM {hub_areas} area
JOIN {school} s ON s.local_authority_id = area.localauthority_id
WHERE area.hub_id = ANY(%(hubs)s) AND s.status = %(open)s {phase_condition}
GROUP BY GROUPING SETS ({grouping_sets})
"""


def _area_schools(filters: Filters, hub_ids: list[int], *, union: bool) -> list[tuple]:
    """Open schools in each hub's area as (hub id, count); with ``union`` also (None, count)
    over the union of the areas, each school once (one query)."""
    if not hub_ids:
        return []
    params = {"hubs": hub_ids, "open": School.Status.OPEN.value}
    phase_condition = ""
    if group := filters.phase_group:
        phase_condition = "AND s.phase = ANY(%(phases)s)"
        params["phases"] = [str(phase) for phase in group.school_phases]
    sql = _AREA_SCHOOLS_SQL.format(
        hub_areas=Hub.local_authorities.through._meta.db_table,
        school=School._meta.db_table,
        phase_condition=phase_condition,
        grouping_sets="(area.hub_id), ()" if union else "(area.hub_id)",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(hub_id if by_hub else None, n) for hub_id, by_hub, n in cursor.fetchall()]


# --- Schools in each hub's area: share engaged, FSM bands, phases ------------------------


class Band(NamedTuple):
    number: int | None  # 1 (lowest share of pupils on free school meals) to 5; None: not known
    label: str


@dataclass
class Coverage:
    """Open schools in an area, and how many of them had a teacher holding a place."""

    schools: int = 0
    engaged: int = 0

    @property
    def share(self) -> Decimal | None:
        return rate(self.engaged, self.schools)

    def add(self, schools: int, engaged: int) -> None:
        self.schools += schools
        self.engaged += engaged


@dataclass
class GapsReport:
    bands: list[Band]
    hub_bands: dict[int, dict[int | None, Coverage]]
    hub_phases: dict[int, dict[str, Coverage]]
    union_bands: dict[int | None, Coverage] | None = None
    union_phases: dict[str, Coverage] | None = None


_AREA_SQL = """
WITH engaged AS (
    -- Schools with a teacher holding a place in one of the hub's Work Groups that year.
    SELECT DISTINCT wg.hub_id, e.school_id
    FROM {enrolment} e
    JOIN {workgroup} wg ON wg.id = e.workgroup_id
    WHERE wg.academic_year = %(year)s
      AND wg.hub_id = ANY(%(hubs)s)
      AND e.status = ANY(%(held)s)
      AND e.school_id IS NOT NULL
),
engaged_anywhere AS (SELECT DISTINCT school_id FROM engaged),
bounds AS (
    -- Quintile boundaries of the FSM percentage over every open school in England.
    SELECT percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8])
           WITHIN GROUP (ORDER BY fsm_percentage) AS b
    FROM {school}
    WHERE status = %(open)s AND fsm_percentage IS NOT NULL
),
area AS (
    -- An authority split between two hubs is in both areas: its schools are listed twice.
    SELECT hla.hub_id, s.id AS school_id, s.phase, {band} AS band
    FROM {hub_areas} hla
    JOIN {school} s ON s.local_authority_id = hla.localauthority_id
    {bounds_join}
    WHERE hla.hub_id = ANY(%(hubs)s) AND s.status = %(open)s {phase_condition}
)
SELECT {columns},
       count(DISTINCT a.school_id) AS schools,
       count(DISTINCT a.school_id) FILTER (WHERE here.school_id IS NOT NULL) AS engaged_here,
       count(DISTINCT a.school_id) FILTER (WHERE anywhere.school_id IS NOT NULL)
           AS engaged_anywhere,
       {bounds_column} AS bounds
FROM area a
LEFT JOIN engaged here ON here.hub_id = a.hub_id AND here.school_id = a.school_id
LEFT JOIN engaged_anywhere anywhere ON anywhere.school_id = a.school_id
GROUP BY GROUPING SETS ({grouping_sets})
"""

# The columns a row is grouped by, as the keys of _area_rows' results.
_HUB_BAND, _HUB_PHASE, _BAND, _PHASE = ("hub", "band"), ("hub", "phase"), ("band",), ("phase",)
_AREA_COLUMNS = {"hub": "a.hub_id", "band": "a.band", "phase": "a.phase"}
# A school's band: 1 at or below the first quintile boundary ... 5 above the fourth.
_BAND_SQL = """CASE WHEN s.fsm_percentage IS NULL THEN NULL
                WHEN s.fsm_percentage <= bounds.b[1] THEN 1
                WHEN s.fsm_percentage <= bounds.b[2] THEN 2
                WHEN s.fsm_percentage <= bounds.b[3] THEN 3
                WHEN s.fsm_percentage <= bounds.b[4] THEN 4
                ELSE 5 END"""


def _area_rows(
    filters: Filters, hub_ids: list[int], grouping_sets: list[tuple[str, ...]]
) -> list[tuple]:
    """Open schools in the hubs' areas, counted in the database by the given grouping sets.

    Each row starts with the names of the columns it is grouped by (a key such
    as _HUB_BAND), then hub id, band and phase (None where not grouped by).
    """
    if not hub_ids:
        return []
    used = {name for grouping_set in grouping_sets for name in grouping_set}
    columns = []
    for name, column in _AREA_COLUMNS.items():
        # GROUPING(x) is 1 on the rows of a set that leaves x out.
        columns += [f"{column}, GROUPING({column}) = 0" if name in used else "NULL, FALSE"]
    phase_condition = ""
    params = {
        "year": filters.year,
        "hubs": hub_ids,
        "held": HELD,
        "open": School.Status.OPEN,
    }
    if group := filters.phase_group:
        phase_condition = "AND s.phase = ANY(%(phases)s)"
        params["phases"] = [str(phase) for phase in group.school_phases]
    sql = _AREA_SQL.format(
        enrolment=Enrolment._meta.db_table,
        workgroup=WorkGroup._meta.db_table,
        school=School._meta.db_table,
        hub_areas=Hub.local_authorities.through._meta.db_table,
        phase_condition=phase_condition,
        # Without bands the bounds CTE is never referenced, so never computed.
        band=_BAND_SQL if "band" in used else "NULL::integer",
        bounds_join="CROSS JOIN bounds" if "band" in used else "",
        bounds_column="(SELECT b FROM bounds)" if "band" in used else "NULL",
        columns=", ".join(columns),
        grouping_sets=", ".join(
            "(" + ", ".join(_AREA_COLUMNS[name] for name in grouping_set) + ")"
            for grouping_set in grouping_sets
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = []
        for hub_id, by_hub, band, by_band, phase, by_phase, *counts in cursor.fetchall():
            key = tuple(
                name
                for name, grouped in (("hub", by_hub), ("band", by_band), ("phase", by_phase))
                if grouped
            )
            rows.append((key, hub_id, band, phase, *counts))
        return rows


def _band_labels(bounds: list[Decimal] | None) -> list[Band]:
    def pc(value: Decimal) -> str:
        return f"{value:.1f}%"

    if not bounds:
        bands = [Band(n, f"Band {n}") for n in range(1, 6)]
    else:
        b1, b2, b3, b4 = bounds
        bands = [
            Band(1, f"Band 1, lowest: up to {pc(b1)}"),
            Band(2, f"Band 2: over {pc(b1)} up to {pc(b2)}"),
            Band(3, f"Band 3: over {pc(b2)} up to {pc(b3)}"),
            Band(4, f"Band 4: over {pc(b3)} up to {pc(b4)}"),
            Band(5, f"Band 5, highest: over {pc(b4)}"),
        ]
    return [*bands, Band(None, "No FSM figure in the register")]


def closing_the_gaps(filters: Filters, hub_ids: list[int], *, union: bool) -> GapsReport:
    """Engagement of the schools in each hub's area by FSM band and by phase (one query).

    Bands are quintiles of the share of pupils eligible for free school meals
    over every open school in England, whatever the filters, so that band 5
    means the same on every page. With ``union``: the same over the union of
    the hubs' areas, each school once.
    """
    sets = [_HUB_BAND, _HUB_PHASE]
    if union:
        sets += [_BAND, _PHASE]
    hub_bands: dict[int, dict] = defaultdict(lambda: defaultdict(Coverage))
    hub_phases: dict[int, dict] = defaultdict(lambda: defaultdict(Coverage))
    union_bands: dict = defaultdict(Coverage)
    union_phases: dict = defaultdict(Coverage)
    bounds = None
    for grouping, hub_id, band, phase, schools, here, anywhere, row_bounds in _area_rows(
        filters, hub_ids, sets
    ):
        bounds = row_bounds
        if grouping == _HUB_BAND:
            hub_bands[hub_id][band].add(schools, here)
        elif grouping == _HUB_PHASE:
            hub_phases[hub_id][PHASE_OF_SCHOOL[phase]].add(schools, here)
        elif grouping == _BAND:
            union_bands[band].add(schools, anywhere)
        elif grouping == _PHASE:
            # One phase per school: adding the phases of a group counts each school once.
            union_phases[PHASE_OF_SCHOOL[phase]].add(schools, anywhere)
    if bounds is None:
        bounds = _fsm_bounds()
    return GapsReport(
        bands=_band_labels(bounds),
        hub_bands=hub_bands,
        hub_phases=hub_phases,
        union_bands=union_bands if union else None,
        union_phases=union_phases if union else None,
    )


def _fsm_bounds() -> list[Decimal] | None:
    """The quintile boundaries alone, for a report with no school to count (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) "
            f"WITHIN GROUP (ORDER BY fsm_percentage) FROM {School._meta.db_table} "
            "WHERE status = %s AND fsm_percentage IS NOT NULL",
            [School.Status.OPEN],
        )
        return cursor.fetchone()[0]


# --- Trend across academic years ---------------------------------------------------------


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
        return rate(self.completed, self.held)


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
            **_distinct_counts(),
            held=Count("status", filter=HOLDS_PLACE),
            completed=Count("status", filter=Q(status=Enrolment.Status.COMPLETED)),
            waiting=Count("status", filter=Q(status=Enrolment.Status.WAITING)),
        )
    }


def trend(filters: Filters, hub_ids: list[int] | None) -> list[YearRow]:
    """Totals per academic year over the hubs given (None: every hub), oldest first.

    Queries: 1 Work Groups per year; 2 enrolments in this and later years;
    3 enrolments in earlier years, unless cached (see TREND_CACHE_SECONDS).
    Schools and teachers are counted distinct within each year.
    """
    this_year = current_academic_year()
    groups = WorkGroup.objects.published().filter(_hub_condition("", filters, hub_ids))
    group = filters.phase_group
    if group and group.teaching_phases:
        for_phase = WorkGroup.phases.through.objects.filter(
            workgroup_id=OuterRef("pk"), teachingphase__code__in=group.teaching_phases
        )
        groups = groups.filter(Exists(for_phase))
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


# --- One hub's Work Groups; one Work Group -----------------------------------------------


def hub_workgroups(filters: Filters, hub: Hub) -> list[WorkGroup]:
    """The hub's Work Groups that year, each with its enrolments counted (two queries)."""
    groups = list(
        _workgroups(filters, [hub.pk])
        .select_related("programme")
        .annotate(
            confirmed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.CONFIRMED)),
            completed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.COMPLETED)),
            waiting=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING)),
            withdrawn=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WITHDRAWN)),
            schools=Count(
                "enrolments__school",
                distinct=True,
                filter=Q(enrolments__status__in=HELD),
            ),
        )
        .order_by("title")
    )
    # Attendance separately: joined to the enrolments above, it would multiply them.
    attendance = {
        line["session__workgroup_id"]: line
        for line in Attendance.objects.filter(session__workgroup__in=[g.pk for g in groups])
        .order_by()
        .values("session__workgroup_id")
        .annotate(attended=Count("present", filter=Q(present=True)), recorded=Count("present"))
    }
    for group in groups:
        line = attendance.get(group.pk, {})
        group.attendance_rate = rate(line.get("attended", 0), line.get("recorded"))
        group.completion_rate = rate(group.completed, group.confirmed + group.completed)
    return groups


@dataclass
class WorkGroupReport:
    confirmed: int
    completed: int
    waiting: int
    withdrawn: int
    schools: int
    teachers: int
    sessions: list[Session]
    school_rows: list[dict]

    @property
    def held(self) -> int:
        return self.confirmed + self.completed

    @property
    def completion_rate(self) -> Decimal | None:
        return rate(self.completed, self.held)


def workgroup_report(workgroup: WorkGroup) -> WorkGroupReport:
    """Places, enrolments by status, attendance per session and schools (three queries)."""
    enrolments = Enrolment.objects.filter(workgroup=workgroup).order_by()
    by_status = {
        status: Count("status", filter=Q(status=status)) for status in Enrolment.Status.values
    }
    counts = enrolments.aggregate(**by_status, **_distinct_counts())
    sessions = list(
        Session.objects.filter(workgroup=workgroup)
        .annotate(
            present=Count("attendance", filter=Q(attendance__present=True)),
            absent=Count("attendance", filter=Q(attendance__present=False)),
        )
        .order_by("order")
    )
    for session in sessions:
        session.attendance_rate = rate(session.present, session.present + session.absent)
    school_rows = list(
        enrolments.values(
            "school_id", "school__urn", "school__name", "school__local_authority__name"
        )
        .annotate(
            teachers=Count("teacher", distinct=True, filter=HOLDS_PLACE),
            completed=Count("status", filter=Q(status=Enrolment.Status.COMPLETED)),
            waiting=Count("status", filter=Q(status=Enrolment.Status.WAITING)),
            withdrawn=Count("status", filter=Q(status=Enrolment.Status.WITHDRAWN)),
        )
        .order_by("school__name", "school_id")
    )
    return WorkGroupReport(
        confirmed=counts["confirmed"],
        completed=counts["completed"],
        waiting=counts["waiting"],
        withdrawn=counts["withdrawn"],
        schools=counts["schools"],
        teachers=counts["teachers"],
        sessions=sessions,
        school_rows=school_rows,
    )
