"""CSV downloads that no spreadsheet will run as formulas.

A cell starting with =, +, -, @, a tab or a carriage return (OWASP's list for
CSV injection) is text that people typed, such as a Work Group's title or a
teacher's name; a spreadsheet opening the file would run it as a formula.
``defuse`` puts an apostrophe in front, which spreadsheets show as text.
Numbers are left as numbers, so a negative figure stays a number.
"""

import csv
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
# A byte order mark makes Excel read the file as UTF-8 (£, en dashes, Welsh names).
BOM = "\ufeff"


def defuse(value):
    """A CSV cell that no spreadsheet will take for a formula; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def download_filename(stem: str, extension: str) -> str:
    """``stem`` in lower case letters, digits and hyphens, with the extension."""
    safe = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-") or "download"
    return f"{safe}.{extension}"


def write_csv(stream, rows: Iterable[Sequence]) -> None:
    """Write ``rows`` to ``stream`` (anything with ``write``), every cell defused."""
    writer = csv.writer(stream)
    for row in rows:
        writer.writerow([defuse(value) for value in row])


def csv_response(rows: Iterable[Sequence], *, filename: str, bom: bool = True) -> HttpResponse:
    """``rows`` (headings first) as a CSV attachment called ``filename``."""
    response = HttpResponse(content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if bom:
        response.write(BOM)
    write_csv(response, rows)
    return response
