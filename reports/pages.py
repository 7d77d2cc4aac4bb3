"""What each report page shows: its tables and charts, built from the figures in queries.py."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from hubs.models import Hub
from workgroups.models import WorkGroup

from .charts import BarChart, bar_chart, describe_extremes
from .queries import (
    PHASES,
    Coverage,
    Filters,
    GapsReport,
    NetworkReport,
    WorkGroupReport,
    YearRow,
)
from .tables import MONEY, PERCENT, POINTS, TEXT, Column, Link, Table


def short_name(hub: Hub) -> str:
    """ "Archimedes NE" for "Archimedes NE Maths Hub": charts have little room."""
    return hub.name.removesuffix(" Maths Hub")


def hub_link(hub: Hub, filters: Filters) -> Link:
    return Link(hub.name, reverse("reports:hub", args=[hub.slug]) + filters.query(region=False))


# --- Hubs side by side -------------------------------------------------------------------

ENGAGEMENT_COLUMNS = [
    Column("Hub", TEXT),
    Column("Schools engaged"),
    Column("Open schools in the area"),
    Column("Share of the area\u2019s schools engaged", PERCENT),
    Column("Teachers engaged"),
    Column("National programme Work Groups"),
    Column("Local Work Groups"),
    Column("Places offered"),
    Column("Places filled"),
    Column("Waiting list"),
    Column("Attendance rate", PERCENT),
    Column("Completion rate", PERCENT),
]

SUPPORT_COLUMNS = [
    Column("Hub", TEXT),
    Column("National project participations"),
    Column("Exchange teachers nominated"),
    Column("Funding allocated", MONEY),
    Column("Spent", MONEY),
    Column("Share spent on classroom-based CPD", PERCENT),
]


def _engagement_cells(figures) -> list:
    return [
        figures.schools,
        figures.area_schools,
        figures.area_share,
        figures.teachers,
        figures.national_groups,
        figures.local_groups,
        figures.places_offered,
        figures.places_filled,
        figures.waiting,
        figures.attendance_rate,
        figures.completion_rate,
    ]


def _support_cells(figures) -> list:
    return [
        figures.projects,
        figures.exchange,
        figures.allocated,
        figures.spent,
        figures.cpd_share,
    ]


def network_tables(
    report: NetworkReport, filters: Filters, *, total_label: str, where: str, by_hub: bool = True
) -> tuple[list[Table], BarChart]:
    """The hubs' engagement and support tables, and the engagement chart with its table.

    ``by_hub`` False: the captions of a single hub's page.
    """
    year = filters.year_label
    per = " by hub" if by_hub else ""
    engagement = Table(
        "hubs",
        f"Engagement and Work Groups{per}, {year}{where}",
        ENGAGEMENT_COLUMNS,
        [[hub_link(row.hub, filters), *_engagement_cells(row.figures)] for row in report.rows],
    )
    support = Table(
        "support",
        f"Projects, exchange and funding{per}, {year}{where}",
        SUPPORT_COLUMNS,
        [[hub_link(row.hub, filters), *_support_cells(row.figures)] for row in report.rows],
    )
    if report.total is not None:
        engagement.foot = [total_label, *_engagement_cells(report.total)]
        support.foot = [total_label, *_support_cells(report.total)]

    items = [(short_name(row.hub), row.figures.area_share) for row in report.rows]
    chart = bar_chart(
        "chart-engagement",
        f"Share of the area\u2019s open schools engaged, by hub, {year}",
        "Each bar is the share of the open schools in a hub\u2019s area with at least one teacher "
        "holding a place in one of the hub\u2019s Work Groups. " + describe_extremes(items, "%"),
        items,
        percent=True,
    )
    chart_table = Table(
        "engagement",
        f"Share of the area\u2019s open schools engaged, by hub, {year}",
        [
            Column("Hub", TEXT),
            Column("Open schools in the area"),
            Column("Engaged schools in the area"),
            Column("Share engaged", PERCENT),
        ],
        [
            [
                hub_link(row.hub, filters),
                row.figures.area_schools,
                row.figures.area_engaged,
                row.figures.area_share,
            ]
            for row in report.rows
        ],
    )
    tables = [engagement, support, chart_table]
    if report.regions is not None:
        tables.append(
            Table(
                "regions",
                f"Engagement by region, {year}",
                [
                    Column("Region", TEXT),
                    Column("Hubs"),
                    Column("Schools engaged"),
                    Column("Teachers engaged"),
                    Column("Work Groups run"),
                    Column("Places offered"),
                    Column("Places filled"),
                    Column("Completion rate", PERCENT),
                ],
                [
                    [
                        Link(
                            region.name,
                            reverse("reports:region", args=[region.code])
                            + filters.query(region=False),
                        ),
                        region.hubs,
                        region.figures.schools,
                        region.figures.teachers,
                        region.figures.groups,
                        region.figures.places_offered,
                        region.figures.places_filled,
                        region.figures.completion_rate,
                    ]
                    for region in report.regions
                ],
            )
        )
    return tables, chart


# --- Closing the gaps --------------------------------------------------------------------

COVERAGE_COLUMNS = [Column("Open schools"), Column("Engaged"), Column("Share engaged", PERCENT)]


def _coverage(coverage: Coverage | None) -> list:
    coverage = coverage or Coverage()
    return [coverage.schools, coverage.engaged, coverage.share]


def band_gap(bands: dict) -> Decimal | None:
    """Share engaged in the highest FSM band minus the lowest, in percentage points."""
    highest, lowest = bands.get(5), bands.get(1)
    if not highest or not lowest or highest.share is None or lowest.share is None:
        return None
    return highest.share - lowest.share


def coverage_tables(
    gaps: GapsReport, bands: dict, phases: dict, *, year: str, where: str, key: str = ""
) -> tuple[list[Table], BarChart]:
    """One area's schools by FSM band (with a chart) and by phase."""
    band_table = Table(
        f"{key}fsm",
        f"Schools engaged by free school meals band, {year}{where}",
        [Column("FSM band", TEXT), *COVERAGE_COLUMNS],
        [[band.label, *_coverage(bands.get(band.number))] for band in gaps.bands],
    )
    phase_table = Table(
        f"{key}phases",
        f"Schools engaged by phase, {year}{where}",
        [Column("Phase", TEXT), *COVERAGE_COLUMNS],
        [[group.label, *_coverage(phases.get(name))] for name, group in PHASES.items()],
    )
    items = [
        (f"Band {band.number}", (bands.get(band.number) or Coverage()).share)
        for band in gaps.bands
        if band.number is not None
    ]
    gap = band_gap(bands)
    if gap is None:
        gap_words = ""
    elif gap == 0:
        gap_words = " The shares in bands 1 and 5 are the same."
    else:
        more_or_less = "higher" if gap > 0 else "lower"
        gap_words = (
            f" The share in band 5 is {abs(gap)} percentage points {more_or_less} than in band 1."
        )
    chart = bar_chart(
        f"chart-{key}fsm",
        f"Share of open schools engaged by FSM band, {year}{where}",
        "Band 1 has the lowest share of pupils eligible for free school meals, band 5 the "
        "highest (quintiles over every open school in England)." + gap_words,
        items,
        percent=True,
    )
    return [band_table, phase_table], chart


def hub_gap_tables(
    gaps: GapsReport, hubs: list[Hub], filters: Filters, *, where: str
) -> list[Table]:
    """Each hub side by side: share engaged per FSM band and per phase."""
    year = filters.year_label
    numbered = [band for band in gaps.bands if band.number is not None]
    by_band = Table(
        "hub-fsm",
        f"Share of each hub\u2019s open schools engaged, by FSM band, {year}{where}",
        [
            Column("Hub", TEXT),
            *(Column(f"Band {band.number}", PERCENT) for band in numbered),
            Column("Band 5 minus band 1 (percentage points)", POINTS),
        ],
        [
            [
                hub_link(hub, filters),
                *(
                    (gaps.hub_bands.get(hub.pk, {}).get(band.number) or Coverage()).share
                    for band in numbered
                ),
                band_gap(gaps.hub_bands.get(hub.pk, {})),
            ]
            for hub in hubs
        ],
    )
    by_phase = Table(
        "hub-phases",
        f"Share of each hub\u2019s open schools engaged, by phase, {year}{where}",
        [Column("Hub", TEXT), *(Column(group.label, PERCENT) for group in PHASES.values())],
        [
            [
                hub_link(hub, filters),
                *(
                    (gaps.hub_phases.get(hub.pk, {}).get(name) or Coverage()).share
                    for name in PHASES
                ),
            ]
            for hub in hubs
        ],
    )
    return [by_band, by_phase]


# --- Trend ---------------------------------------------------------------------------------


def trend_table(rows: list[YearRow], *, where: str, key: str = "trend") -> tuple[Table, BarChart]:
    table = Table(
        key,
        f"Totals by academic year{where}",
        [
            Column("Academic year", TEXT),
            Column("Schools engaged"),
            Column("Teachers engaged"),
            Column("National programme Work Groups"),
            Column("Local Work Groups"),
            Column("Places offered"),
            Column("Places filled"),
            Column("Waiting list"),
            Column("Completion rate", PERCENT),
        ],
        [
            [
                row.label,
                row.schools,
                row.teachers,
                row.national_groups,
                row.local_groups,
                row.places_offered,
                row.places_filled,
                row.waiting,
                row.completion_rate,
            ]
            for row in rows
        ],
    )
    items = [(row.label, row.schools) for row in rows]
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        words = (
            f"From {first.label} to {last.label} the number of schools engaged went from "
            f"{first.schools:,} to {last.schools:,}. "
        )
    else:
        words = ""
    chart = bar_chart(
        f"chart-{key}",
        f"Schools engaged by academic year{where}",
        "Each bar counts the schools with at least one teacher holding a place in a Work "
        "Group that year, each school once. " + words + describe_extremes(items, " schools"),
        items,
    )
    return table, chart


# --- One hub's Work Groups; one Work Group -----------------------------------------------


def workgroups_table(groups: list[WorkGroup], filters: Filters, hub: Hub) -> Table:
    return Table(
        "workgroups",
        f"{hub.name}\u2019s Work Groups, {filters.year_label}",
        [
            Column("Work Group", TEXT),
            Column("National programme or local need", TEXT),
            Column("Places offered"),
            Column("Places filled"),
            Column("Place confirmed"),
            Column("Completed"),
            Column("Waiting list"),
            Column("Withdrawn"),
            Column("Schools engaged"),
            Column("Attendance rate", PERCENT),
            Column("Completion rate", PERCENT),
        ],
        [
            [
                Link(group.title, reverse("reports:workgroup", args=[group.slug])),
                group.programme.name if group.programme else "Local need",
                group.capacity,
                group.places_taken,
                group.confirmed,
                group.completed,
                group.waiting,
                group.withdrawn,
                group.schools,
                group.attendance_rate,
                group.completion_rate,
            ]
            for group in groups
        ],
    )


def workgroup_tables(workgroup: WorkGroup, report: WorkGroupReport) -> list[Table]:
    enrolments = Table(
        "enrolments",
        "Enrolments by status",
        [Column("Status", TEXT), Column("Enrolments")],
        [
            ["Place confirmed", report.confirmed],
            ["Completed", report.completed],
            ["On the waiting list", report.waiting],
            ["Withdrawn", report.withdrawn],
        ],
        foot=[
            "All enrolments",
            report.confirmed + report.completed + report.waiting + report.withdrawn,
        ],
    )
    sessions = Table(
        "sessions",
        "Attendance at each session",
        [
            Column("Session", TEXT),
            Column("Date", TEXT),
            Column("Present"),
            Column("Absent"),
            Column("Attendance rate", PERCENT),
        ],
        [
            [
                f"Session {session.order}",
                f"{timezone.localtime(session.starts_at):%-d %B %Y}",
                session.present,
                session.absent,
                session.attendance_rate,
            ]
            for session in report.sessions
        ],
    )
    schools = Table(
        "schools",
        "Schools taking part",
        [
            Column("School", TEXT),
            Column("URN", TEXT),
            Column("Local authority", TEXT),
            Column("Teachers holding a place"),
            Column("Completed"),
            Column("Waiting list"),
            Column("Withdrawn"),
        ],
        [
            [
                line["school__name"] or "School not given",
                "" if line["school__urn"] is None else str(line["school__urn"]),
                line["school__local_authority__name"] or "",
                line["teachers"],
                line["completed"],
                line["waiting"],
                line["withdrawn"],
            ]
            for line in report.school_rows
        ],
    )
    return [enrolments, sessions, schools]
