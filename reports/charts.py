"""Bar charts drawn on the server as SVG, for reading at a glance.

The SVG is written by a template (templates/reports/_bar_chart.html) from the
geometry worked out here: no script, no style attribute and no <style>
element, so the strict Content Security Policy holds; colours and fonts come
from portal.css. Each chart has a title, a description in words and, beside
it on the page, a table with the same numbers.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
LABEL_WIDTH = 220
VALUE_WIDTH = 84
TOP = 28
ROW = 26
BAR = 16


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    # Coordinates as text: the template must not localise them.
    y: str
    text_y: str
    width: str
    value_x: str


@dataclass(frozen=True)
class Tick:
    x: str
    text: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    ticks: list[Tick]
    height: int
    width: int = WIDTH
    label_x: int = LABEL_WIDTH - 8
    plot_x: int = LABEL_WIDTH
    plot_bottom: int = 0
    bar_height: int = BAR


def _number(value: float) -> str:
    return f"{value:.1f}"


def _scale_top(largest: float, percent: bool) -> tuple[float, float]:
    """The top of the axis and the step between grid lines: round numbers."""
    if percent:
        return 100.0, 25.0
    if largest <= 0:
        return 4.0, 1.0
    magnitude = 10 ** math.floor(math.log10(largest))
    for step in (magnitude / 5, magnitude / 2, magnitude, magnitude * 2, magnitude * 5):
        step = max(step, 1)
        if largest / step <= 5:
            return step * math.ceil(largest / step), step
    return magnitude * 10, magnitude * 2  # not reached: the last step always fits


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    items: list[tuple[str, Decimal | int | None]],
    *,
    percent: bool = False,
) -> BarChart:
    """A horizontal bar chart: one bar per (label, value); None draws no bar ("no data")."""
    values = [float(value) for _, value in items if value is not None]
    top, step = _scale_top(max(values, default=0), percent)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(items):
        y = TOP + index * ROW + (ROW - BAR) / 2
        length = 0 if value is None else plot_width * float(value) / top
        if value is None:
            text = "no data"
        elif percent:
            text = f"{value}%"
        else:
            text = f"{value:,}"
        bars.append(
            Bar(
                label=label,
                text=text,
                y=_number(y),
                text_y=_number(y + BAR - 3),
                width=_number(length),
                value_x=_number(LABEL_WIDTH + length + 6),
            )
        )
    ticks = []
    tick = 0.0
    while tick <= top + 1e-9:
        x = LABEL_WIDTH + plot_width * tick / top
        ticks.append(Tick(x=_number(x), text=f"{tick:,.0f}%" if percent else f"{tick:,.0f}"))
        tick += step
    height = TOP + len(items) * ROW + 8
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        bars=bars,
        ticks=ticks,
        height=height,
        plot_bottom=height - 8,
    )


def describe_extremes(items: list[tuple[str, Decimal | int | None]], unit: str = "") -> str:
    """ "Highest: A (40%). Lowest: B (2%)." over the items that have a value."""
    known = [(label, value) for label, value in items if value is not None]
    if not known:
        return "There are no figures to show yet."
    highest = max(known, key=lambda item: item[1])
    lowest = min(known, key=lambda item: item[1])
    if highest == lowest or len(known) == 1:
        return f"{highest[0]}: {_format(highest[1], unit)}."
    return (
        f"Highest: {highest[0]} ({_format(highest[1], unit)}). "
        f"Lowest: {lowest[0]} ({_format(lowest[1], unit)})."
    )


def _format(value, unit: str) -> str:
    return f"{value}{unit}" if unit == "%" else f"{value:,}{unit}"
