"""Closing the gaps: schools engaged by FSM band and by phase, per area and hub by hub."""

from decimal import Decimal

from hubs.models import Hub

from ..charts import BarChart, bar_chart
from ..queries.filters import PHASES, Filters
from ..queries.gaps import Coverage, GapsReport
from ..tables import PERCENT, POINTS, TEXT, Column, Table
from .names import hub_link

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
