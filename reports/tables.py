"""Report tables: one description drives the HTML table, the CSV and the Excel sheet.

A table holds raw values (ints, Decimals, None, text); each column says how to
show them. The page formats them for people, the downloads keep the numbers
as numbers.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

TEXT, COUNT, PERCENT, MONEY = "text", "count", "percent", "money"
# A difference between two percentages, signed: "+4.2" percentage points.
POINTS = "points"
NOT_AVAILABLE = "\N{EN DASH}"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = COUNT

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT

    @property
    def heading(self) -> str:
        """The label in a download, where units cannot be shown in the cells."""
        if self.kind == PERCENT:
            return f"{self.label} (%)"
        if self.kind == MONEY:
            return f"{self.label} (£)"
        return self.label


@dataclass(frozen=True)
class Link:
    """Text with a drill-down link; downloads keep the text only."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    numeric: bool = False


def show(value, kind: str) -> str:
    """A value as people read it: 1,234; 45.5%; £1,250.00; a dash where there is nothing."""
    if value is None:
        return NOT_AVAILABLE
    if kind == COUNT:
        return f"{value:,}"
    if kind == PERCENT:
        return f"{value}%"
    if kind == POINTS:
        return f"{value:+}".replace("-", "\N{MINUS SIGN}")
    if kind == MONEY:
        return f"£{Decimal(value):,.2f}"
    return str(value)


@dataclass
class Table:
    key: str
    caption: str
    columns: list[Column]
    rows: list[list]
    foot: list | None = None
    # Filled by the view: where the downloads of this table are.
    csv_url: str = field(default="", init=False)
    xlsx_url: str = field(default="", init=False)

    def _cells(self, row: list) -> list[Cell]:
        cells = []
        for column, value in zip(self.columns, row, strict=True):
            url = value.url if isinstance(value, Link) else ""
            text = str(value) if isinstance(value, Link) else show(value, column.kind)
            cells.append(Cell(text=text, url=url, numeric=column.numeric))
        return cells

    @property
    def body(self) -> list[list[Cell]]:
        return [self._cells(row) for row in self.rows]

    @property
    def footer(self) -> list[Cell] | None:
        return self._cells(self.foot) if self.foot else None

    def records(self) -> list[list]:
        """Heading row, then the rows and the totals as raw values, links as their text."""
        lines = [*self.rows, *([self.foot] if self.foot else [])]
        return [
            [column.heading for column in self.columns],
            *([str(v) if isinstance(v, Link) else v for v in line] for line in lines),
        ]

    def link_downloads(self, query: dict) -> None:
        """Point the download links at this page's URL with the same filters."""
        for fmt in ("csv", "xlsx"):
            params = {**query, "format": fmt, "table": self.key}
            setattr(self, f"{fmt}_url", f"?{urlencode(params)}")
