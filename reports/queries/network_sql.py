"""The raw SQL behind the network report: enrolment figures, and open schools per area.

Each function is one query, in SQL for what the ORM does not write (a
subquery inside an aggregate's FILTER, GROUPING SETS); the comments say why
each is shaped as it is.
"""

from django.db import connection

from hubs.models import Hub, School
from workgroups.models import Enrolment, WorkGroup

from .filters import HELD, Filters

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


def enrolment_figures(filters: Filters, hub_ids: list[int], by: str) -> list[tuple]:
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


def open_schools_in_areas(filters: Filters, hub_ids: list[int], *, union: bool) -> list[tuple]:
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
