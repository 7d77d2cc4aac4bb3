"""What every stage of the generator shares: its sizes, the COPY writer, the time helpers."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from hubs.models import School

DEFAULT_SEED = 2026
# What scale 1.0 means: the size of the real network.
FULL_SCHOOLS = 22_000
FULL_TEACHERS = 150_000
FULL_GROUPS_PER_YEAR = 3_000
MAX_SCALE = 4.0

LONDON = ZoneInfo("Europe/London")
DAY = 86_400
UNUSABLE_PASSWORD = "!"  # Django treats a hash starting with "!" as no password at all.
P = School.Phase

# --- Writing ----------------------------------------------------------------


class Ids:
    """Ids claimed from a table's sequence, handed out one by one.

    The table is locked against other writers for the transaction, so nobody
    else draws from the sequence meanwhile; ``close`` moves the sequence past
    the last id used.
    """

    def __init__(self, cursor, model):
        table = model._meta.db_table
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        self.sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [self.sequence])
        self.first = self.next_id = cursor.fetchone()[0]

    def take(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def close(self, cursor) -> None:
        if self.next_id > self.first:
            cursor.execute("SELECT setval(%s, %s, true)", [self.sequence, self.next_id - 1])
        else:
            cursor.execute("SELECT setval(%s, %s, false)", [self.sequence, self.first])


class Writer:
    """COPY rows into a model's table and count them."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.counts: Counter = Counter()

    def copy(self, model, fields: list[str], rows: Iterable[tuple], label: str = "") -> int:
        opts = model._meta
        columns = ", ".join(connection.ops.quote_name(opts.get_field(f).column) for f in fields)
        sql = f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
        written = 0
        with self.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        self.counts[label or opts.verbose_name_plural] += written
        return written


# --- What is generated -----------------------------------------------------------


@dataclass
class GeneratedSchool:
    id: int
    urn: int
    name: str
    la_code: str
    phase: str
    status: str
    fsm: Decimal | None
    town: str
    postcode: str
    hubs: tuple[int, ...]
    establishment_type: str = ""
    closed_year: int | None = None  # teachers take no part from this year on
    quintile: int | None = None  # 0 = lowest FSM fifth


@dataclass
class Summary:
    counts: Counter
    enrolments_by_status: Counter
    seconds: float
    checksum: str = ""
    years: tuple[int, int] = (0, 0)
    timings: dict[str, float] = field(default_factory=dict)


def sizes(scale: float) -> dict[str, int]:
    """Targets at ``scale``; small scales keep enough of everything to be a network."""
    return {
        "schools": max(round(FULL_SCHOOLS * scale), 3 * 153),
        "teachers": max(round(FULL_TEACHERS * scale), 1_500),
        "groups_per_year": max(round(FULL_GROUPS_PER_YEAR * scale), 40),
    }


def largest_remainder(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights``, each share at least ``minimum``."""
    spare = total - minimum * len(weights)
    if spare < 0:
        return [minimum] * len(weights)
    whole = sum(weights)
    exact = [spare * w / whole for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in order[: spare - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def london_time(day: date, at: time) -> datetime:
    """``at`` o'clock on ``day`` in England."""
    return datetime.combine(day, at, LONDON)


def utc(seconds: float) -> datetime:
    """A POSIX timestamp as an aware datetime, to the second."""
    return datetime.fromtimestamp(int(seconds), UTC)
