"""Report tables as CSV files and Excel workbooks.

Text that a spreadsheet would run as a formula (a Work Group's title is typed
by a hub team) is defused: in a CSV file by hubs_portal.lib.csv_export; in a
workbook the cell is written as a string, never as a formula. Numbers stay
numbers.
"""

import io
import re
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hubs_portal.lib import csv_export
from hubs_portal.lib.csv_export import download_filename

from .tables import MONEY, PERCENT, POINTS, Table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters Excel refuses in a sheet's name, which is at most 31 characters long.
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
BOLD = Font(bold=True)


def csv_response(table: Table, stem: str) -> HttpResponse:
    return csv_export.csv_response(table.records(), filename=download_filename(stem, "csv"))


def _sheet_name(table: Table, taken: set[str]) -> str:
    caption = ILLEGAL_CHARACTERS_RE.sub("", table.caption)
    name = SHEET_NAME_BAD.sub(" ", caption)[:31].strip() or table.key[:31]
    base, number = name, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def xlsx_response(tables: list[Table], stem: str) -> HttpResponse:
    """One sheet per table: headings in bold, numbers as numbers, pounds formatted."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table, taken))
        for row_number, record in enumerate(table.records(), start=1):
            for column_number, (column, value) in enumerate(
                zip(table.columns, record, strict=True), start=1
            ):
                cell = sheet.cell(row=row_number, column=column_number)
                if isinstance(value, Decimal):
                    value = float(value) if column.kind in (PERCENT, POINTS) else value
                if isinstance(value, str):
                    # The forms refuse control characters, but older records or the
                    # admin may hold one, and openpyxl refuses to write it.
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.value = value
                if isinstance(value, str):
                    # openpyxl takes any text starting with "=" for a formula.
                    cell.data_type = TYPE_STRING
                elif column.kind == MONEY and row_number > 1:
                    cell.number_format = "£#,##0.00"
                if row_number == 1:
                    cell.font = BOLD
        for column_number, column in enumerate(table.columns, start=1):
            width = max(12, min(48, len(column.heading) + 2))
            sheet.column_dimensions[get_column_letter(column_number)].width = width
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{download_filename(stem, "xlsx")}"'
    return response
