"""Import the DfE's register of schools (GIAS ``edubasealldata*.csv``).

The file is Windows-1252, about 50,000 rows covering England and Wales, and
GIAS adds or drops columns between releases, so columns are found by header
name. Rows are streamed and written in batches: memory does not grow with the
file, except for the set of URNs seen so far (a few MB for the whole register),
which catches a URN repeated anywhere in the file.
"""

import csv
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import transaction
from tqdm import tqdm

from hubs.gias import (
    ENCODING,
    MAX_NAME,
    MAX_POSTCODE,
    MAX_TOWN,
    MAX_TYPE,
    REQUIRED_COLUMNS,
    URN_MAX,
    Columns,
    SchoolsImportError,
    first_line,
    is_number,
    parse_fsm,
    scan,
    too_long,
)
from hubs.models import LocalAuthority, Partnership, School, normalise_postcode
from hubs.services import lead_schools_link
from hubs_portal.lib.forms import CONTROL_CHARACTERS

BATCH_SIZE = 1000
# The first bad rows are kept for the report; the rest are only counted.
BAD_ROWS_KEPT = 50


def plural(count: int, noun: str = "row") -> str:
    """The count and its noun: 1 row, 2 rows, 1,812 rows."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    # LA code -> rows skipped because the code is not an English authority.
    skipped_by_la: Counter = field(default_factory=Counter)
    english_authorities: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_row_count: int = 0
    warnings: list[str] = field(default_factory=list)
    encoding: str = ENCODING
    lead_schools_linked: int = 0
    lead_schools_unlinked: list[Partnership] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated

    @property
    def skipped(self) -> int:
        return sum(self.skipped_by_la.values())

    def add_bad_row(self, line: int, reason: str) -> None:
        self.bad_row_count += 1
        if len(self.bad_rows) < BAD_ROWS_KEPT:
            self.bad_rows.append(BadRow(line, reason))

    def summary(self) -> str:
        text = (
            f"Imported {self.imported:,} schools ({self.created:,} new, {self.updated:,} updated)"
        )
        if self.skipped:
            codes = ", ".join(sorted(self.skipped_by_la))
            text += (
                f"; skipped {plural(self.skipped)} outside England's "
                f"{self.english_authorities} local authorities (LA codes {codes})"
            )
        return f"{text}; {plural(self.bad_row_count, 'bad row')}."


class _Importer:
    def __init__(self, *, batch_size: int, result: ImportResult):
        self.batch_size = batch_size
        self.result = result
        self.authorities = dict(LocalAuthority.objects.values_list("code", "id"))
        if not self.authorities:
            raise SchoolsImportError(
                "There are no local authorities in the database yet: "
                "run `manage.py load_reference_data` first."
            )
        result.english_authorities = len(self.authorities)
        self.seen_urns: set[int] = set()
        self.batch: list[School] = []

    def run(self, handle: TextIO, *, total_lines: int, progress: bool) -> None:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        if not header:
            raise SchoolsImportError("The file is empty: it has no header line.")
        header = [name.strip() for name in header]
        reader.fieldnames = header
        self.column_count = len(header)
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            columns = "column" if len(missing) == 1 else "columns"
            raise SchoolsImportError(
                f"The header has no {' or '.join(missing)} {columns}. Is this the GIAS "
                f"establishments file (edubasealldata*.csv)? It starts: {', '.join(header[:5])}"
            )
        columns = Columns.from_header(header)
        self.result.warnings.extend(columns.missing_warnings())
        self.update_fields = columns.update_fields()

        done = reader.line_num
        bar = tqdm(
            total=max(total_lines - done, 0),
            unit=" lines",
            unit_scale=True,
            file=sys.stderr,
            # None: on only when stderr is a terminal.
            disable=None if progress else True,
            desc="Importing schools",
        )
        with bar:
            for row in self._rows(reader):
                school = self._school(row, reader.line_num, columns)
                if school is not None:
                    self.batch.append(school)
                    if len(self.batch) >= self.batch_size:
                        self._flush()
                bar.update(reader.line_num - done)
                done = reader.line_num
            self._flush()

    def _rows(self, reader: csv.DictReader) -> Iterator[dict]:
        # An undecodable byte or a broken quote stops the whole import (and
        # rolls it back): the file is damaged, not one row.
        try:
            yield from reader
        except UnicodeDecodeError as error:
            # Text is decoded ahead of the csv reader, so the line is approximate.
            raise SchoolsImportError(
                f"The file cannot be decoded as {error.encoding} near line "
                f"{reader.line_num + 1} ({error.reason}). Download it again from "
                "Get Information About Schools."
            ) from None
        except csv.Error as error:
            # DictReader's own line_num is only brought up to date once a row
            # is complete: the csv reader under it knows the line that failed.
            raise SchoolsImportError(
                f"Line {reader.reader.line_num} cannot be read: {error}."
            ) from None

    def _school(self, row: dict, end_line: int, columns: Columns) -> School | None:
        def bad(*reasons: str) -> None:
            self.result.add_bad_row(first_line(end_line, row), "; ".join(reasons))

        # DictReader puts extra values under None and fills missing ones with None.
        if None in row or None in row.values():
            values = sum(value is not None for value in row.values())
            if None in row:
                values += len(row[None]) - 1
            return bad(
                f"the row has {values} values but the header has {self.column_count} "
                "columns (a stray comma or quote?)"
            )

        # A NUL byte would make PostgreSQL refuse the whole batch; the other
        # control characters break the reports' Excel files. Nobody types them.
        garbled = [
            column
            for column in columns.read(header=("URN", "EstablishmentName", "LA (code)"))
            if CONTROL_CHARACTERS.search(row[column])
        ]
        if garbled:
            return bad(
                f"{' and '.join(garbled)} {'contains' if len(garbled) == 1 else 'contain'} "
                "an invisible control character (the file is damaged?)"
            )

        la_code = row["LA (code)"].strip()
        if not la_code:
            return bad("LA (code) is empty")
        authority_id = self.authorities.get(la_code)
        if authority_id is None:
            # Wales, service children overseas and other pseudo-authorities:
            # out of scope, summarised rather than listed.
            self.result.skipped_by_la[la_code] += 1
            return None

        problems = []
        urn_text = row["URN"].strip()
        urn = None
        if not urn_text:
            problems.append("URN is empty")
        elif not is_number(urn_text) or not 0 < int(urn_text) <= URN_MAX:
            problems.append(f"URN {urn_text!r} is not a whole number")
        else:
            urn = int(urn_text)

        name = " ".join(row["EstablishmentName"].split())
        if not name:
            problems.append("EstablishmentName is empty")
        problems.append(too_long("EstablishmentName", name, MAX_NAME))

        fields = {}
        for key, choice, label in (
            ("phase", columns.phase, "phase of education"),
            ("status", columns.status, "establishment status"),
        ):
            if choice is None:
                continue
            value = choice.parse(row[choice.column])
            if value is None:
                problems.append(f"{choice.column} {row[choice.column]!r} is not a known {label}")
            fields[key] = value

        for key, column, limit in (
            ("establishment_type", columns.establishment_type, MAX_TYPE),
            ("town", columns.town, MAX_TOWN),
            ("postcode", columns.postcode, MAX_POSTCODE),
        ):
            if column is None:
                continue
            fields[key] = row[column].strip()
            problems.append(too_long(column, fields[key], limit))
        if "postcode" in fields:
            fields["postcode_normalised"] = normalise_postcode(fields["postcode"])

        if columns.fsm:
            fields["fsm_percentage"], problem = parse_fsm(row[columns.fsm])
            problems.append(problem)

        problems = [problem for problem in problems if problem]
        if problems:
            return bad(*problems)
        if urn in self.seen_urns:
            return bad(f"URN {urn} appears earlier in the file; the first row was kept")
        self.seen_urns.add(urn)
        return School(urn=urn, name=name, local_authority_id=authority_id, **fields)

    def _flush(self) -> None:
        if not self.batch:
            return
        urns = [school.urn for school in self.batch]
        # One query to tell new schools from updated ones, one to write them all.
        existing = set(School.objects.filter(urn__in=urns).values_list("urn", flat=True))
        School.objects.bulk_create(
            self.batch,
            update_conflicts=True,
            unique_fields=["urn"],
            update_fields=self.update_fields,
        )
        self.result.updated += len(existing)
        self.result.created += len(urns) - len(existing)
        self.batch = []


def schools_import(
    *,
    path: str | Path,
    progress: bool = True,
    batch_size: int = BATCH_SIZE,
    link_lead_schools: bool = True,
) -> ImportResult:
    """Import or update schools from a GIAS establishments CSV, keyed by URN.

    Rows outside the English local authorities are skipped and counted; bad
    rows are reported with their line number and the good ones stored. Then
    lead schools recorded by name are linked to the register. Everything runs
    in one transaction: an unexpected failure leaves the database as it was.

    Raises OSError when the file cannot be read and SchoolsImportError when it
    is not a GIAS file that can be imported.
    """
    path = Path(path)
    total_lines, encoding = scan(path)
    result = ImportResult(encoding=encoding)
    if encoding != ENCODING:
        result.warnings.append(
            "The file is UTF-8, not the Windows-1252 that GIAS publishes "
            "(re-saved by a spreadsheet?): it was read as UTF-8."
        )
    with transaction.atomic():
        importer = _Importer(batch_size=batch_size, result=result)
        # newline="" lets the csv module handle line breaks inside quoted fields.
        with path.open(encoding=encoding, newline="") as handle:
            importer.run(handle, total_lines=total_lines, progress=progress)
        if link_lead_schools:
            result.lead_schools_linked, result.lead_schools_unlinked = lead_schools_link()
    return result
