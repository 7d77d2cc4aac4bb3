"""The years side by side: a table of totals and a chart of schools engaged."""

from ..charts import BarChart, bar_chart, describe_extremes
from ..queries.trend import YearRow
from ..tables import PERCENT, TEXT, Column, Table


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
