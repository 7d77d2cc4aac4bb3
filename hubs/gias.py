"""The GIAS register's file format: its encoding, its columns and how each value is read.

GIAS (``edubasealldata*.csv``) is Windows-1252 and adds or drops columns
between releases, so columns are found by header name; hubs/importers.py
streams the rows through these readers into the database.
"""

import codecs
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from hubs.models import School

ENCODING = "cp1252"
UTF8_BOM = b"\xef\xbb\xbf"
# The five bytes that mean nothing in Windows-1252: Python refuses to decode them.
CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")

REQUIRED_COLUMNS = ("URN", "EstablishmentName", "LA (code)")

PHASE_BY_CODE = {
    "0": School.Phase.NOT_APPLICABLE,
    "1": School.Phase.NURSERY,
    "2": School.Phase.PRIMARY,
    "3": School.Phase.MIDDLE_PRIMARY,
    "4": School.Phase.SECONDARY,
    "5": School.Phase.MIDDLE_SECONDARY,
    "6": School.Phase.SIXTEEN_PLUS,
    "7": School.Phase.ALL_THROUGH,
}
PHASE_BY_NAME = {str(phase.label).lower(): phase for phase in School.Phase}

STATUS_BY_CODE = {
    "1": School.Status.OPEN,
    "2": School.Status.CLOSED,
    # "Open, but proposed to close": still open today.
    "3": School.Status.OPEN,
    "4": School.Status.PROPOSED,
}
STATUS_BY_NAME = {
    "open": School.Status.OPEN,
    "closed": School.Status.CLOSED,
    "open, but proposed to close": School.Status.OPEN,
    "proposed to open": School.Status.PROPOSED,
}

FSM_SUPPRESSED = {"SUPP", "SUPPRESSED"}
FSM_STEP = Decimal("0.1")
URN_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL


def is_number(text: str) -> bool:
    # str.isdigit() alone accepts "²", which int() refuses.
    return text.isascii() and text.isdigit()


class SchoolsImportError(Exception):
    """The file cannot be imported at all (wrong file, wrong encoding, no reference data)."""


@dataclass(frozen=True)
class _Choice:
    """A coded column, or its "(name)" twin when the code column is missing."""

    column: str
    mapping: dict[str, str]
    by_code: bool

    def parse(self, raw: str) -> str | None:
        value = raw.strip()
        if self.by_code:
            # "02" and "2" are the same code.
            return self.mapping.get(str(int(value)) if is_number(value) else value)
        return self.mapping.get(value.lower())


@dataclass(frozen=True)
class Columns:
    """Where each field the portal stores is found in this release of the file."""

    phase: _Choice | None
    status: _Choice | None
    establishment_type: str | None
    town: str | None
    postcode: str | None
    fsm: str | None

    @classmethod
    def from_header(cls, header: list[str]) -> "Columns":
        present = set(header)

        def choice(stem: str, by_code: dict, by_name: dict) -> _Choice | None:
            if f"{stem} (code)" in present:
                return _Choice(f"{stem} (code)", by_code, by_code=True)
            if f"{stem} (name)" in present:
                return _Choice(f"{stem} (name)", by_name, by_code=False)
            return None

        def optional(name: str) -> str | None:
            return name if name in present else None

        return cls(
            phase=choice("PhaseOfEducation", PHASE_BY_CODE, PHASE_BY_NAME),
            status=choice("EstablishmentStatus", STATUS_BY_CODE, STATUS_BY_NAME),
            establishment_type=optional("TypeOfEstablishment (name)"),
            town=optional("Town"),
            postcode=optional("Postcode"),
            fsm=optional("PercentageFSM"),
        )

    def read(self, header: tuple[str, ...]) -> list[str]:
        """Every column the import reads: the ``header`` ones, then those found in this file."""
        optional = [self.phase and self.phase.column, self.status and self.status.column]
        optional += [self.establishment_type, self.town, self.postcode, self.fsm]
        return [*header, *(column for column in optional if column)]

    def update_fields(self) -> list[str]:
        """The fields to overwrite on a school that is already in the register.

        A field whose column this release lacks is left as it was.
        """
        fields = ["name", "local_authority"]
        optional = {
            "phase": self.phase,
            "status": self.status,
            "establishment_type": self.establishment_type,
            "town": self.town,
        }
        fields += [name for name, column in optional.items() if column]
        if self.postcode:
            fields += ["postcode", "postcode_normalised"]
        if self.fsm:
            fields.append("fsm_percentage")
        return [*fields, "updated_at"]

    def missing_warnings(self) -> list[str]:
        missing = {
            "PhaseOfEducation": self.phase,
            "EstablishmentStatus": self.status,
            "TypeOfEstablishment (name)": self.establishment_type,
            "Town": self.town,
            "Postcode": self.postcode,
            "PercentageFSM": self.fsm,
        }
        return [
            f"The file has no {name} column: schools already in the portal keep their "
            "value and new ones are stored without it."
            for name, column in missing.items()
            if column is None
        ]


def _max_length(name: str) -> int:
    return School._meta.get_field(name).max_length


MAX_NAME = _max_length("name")
MAX_TYPE = _max_length("establishment_type")
MAX_TOWN = _max_length("town")
MAX_POSTCODE = _max_length("postcode")


def parse_fsm(raw: str) -> tuple[Decimal | None, str | None]:
    """The percentage, or None when blank or suppressed; or an error message."""
    value = raw.strip()
    if not value or value.upper() in FSM_SUPPRESSED:
        return None, None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 100:
        return None, (
            f"PercentageFSM {value!r} is not a percentage from 0 to 100 "
            "(blank or SUPP are accepted for no figure)"
        )
    return number.quantize(FSM_STEP, rounding=ROUND_HALF_UP), None


def too_long(column: str, value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{column} is {len(value)} characters long; the portal stores at most {limit}"
    return None


def first_line(end_line: int, row: dict) -> int:
    """The physical line a record starts on, given the line it ends on.

    A quoted field may span lines, so count the line breaks inside the values.
    """
    breaks = 0
    for value in row.values():
        for text in value if isinstance(value, list) else [value]:
            if text:
                breaks += text.count("\n") + text.count("\r") - text.count("\r\n")
    return end_line - breaks


def scan(path: Path) -> tuple[int, str]:
    """Count lines for the progress bar and pick the encoding, in one cheap pass over bytes.

    GIAS publishes Windows-1252. A file re-saved by a spreadsheet as "CSV
    UTF-8" starts with a byte-order mark or, failing that, decodes as UTF-8
    (Windows-1252 text with accents almost never does): read those as UTF-8
    rather than garble every accent and curly apostrophe.
    """
    lines = 0
    last = b""
    non_ascii = False
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    undefined_line = None
    with path.open("rb") as handle:
        start = handle.read(len(UTF8_BOM))
        handle.seek(0)
        while chunk := handle.read(1 << 20):
            if not chunk.isascii():
                non_ascii = True
                if utf8_ok:
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError:
                        utf8_ok = False
                found = [at for byte in CP1252_UNDEFINED if (at := chunk.find(byte)) >= 0]
                if found and undefined_line is None:
                    undefined_line = lines + chunk.count(b"\n", 0, min(found)) + 1
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last and last != b"\n":
        lines += 1
    if start == UTF8_BOM:
        return lines, "utf-8-sig"
    try:
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        utf8_ok = False
    if non_ascii and utf8_ok:
        return lines, "utf-8"
    if undefined_line is not None:
        raise SchoolsImportError(
            f"Line {undefined_line} has a byte that is not Windows-1252 text: the file is "
            "damaged. Download it again from Get Information About Schools."
        )
    return lines, ENCODING
