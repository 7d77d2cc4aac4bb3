"""Closing the gaps: the schools in each hub's area engaged, by FSM band and by phase."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from hubs.models import Hub, School
from hubs_portal.lib.figures import percentage
from workgroups.models import Enrolment, WorkGroup

from .filters import HELD, PHASE_OF_SCHOOL, Filters


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
        return percentage(self.engaged, self.schools)

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
