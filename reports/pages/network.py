"""The hubs side by side (national and region pages; a hub's own page shows its row), by region."""

from django.urls import reverse

from ..charts import BarChart, bar_chart, describe_extremes
from ..queries.filters import Filters
from ..queries.network import NetworkReport
from ..tables import MONEY, PERCENT, TEXT, Column, Link, Table
from .names import hub_link, short_name

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
                            reverse("reports:region", args=[region.code]) + filters.drill_query,
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
