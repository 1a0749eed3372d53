"""Reading uploaded tables: .xlsx through openpyxl, .csv in UTF-8 or GB18030 (what Chinese Excel saves)."""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class FileProblem(Exception):
    """The file as a whole cannot be read; the message is for the user."""


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed as numbers
    return str(value).strip()


def _xlsx_rows(path: str) -> Iterator[tuple]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileProblem(_("The file is not a valid Excel (.xlsx) workbook. Save it from Excel as .xlsx and try again.")) from exc
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(path: str) -> Iterator[list[str]]:
    with open(path, "rb") as f:
        raw = f.read()
    if b"\x00" in raw:
        raise FileProblem(_("The file is not a text CSV file. Save it from Excel as CSV and try again."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem(_("The CSV file is neither UTF-8 nor GBK encoded."))
    yield from csv.reader(io.StringIO(text))


def read_table(path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and data rows of the first sheet, each data row with its row number as the user sees it."""
    rows = _xlsx_rows(path) if path.lower().endswith(".xlsx") else _csv_rows(path)
    header: list[str] | None = None
    data = []
    try:
        for number, row in enumerate(rows, start=1):
            values = [cell_text(v) for v in row]
            if not any(values):
                continue
            if header is None:
                header = values
            else:
                data.append((number, values))
    except FileProblem:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, csv.Error) as exc:
        raise FileProblem(_("The file could not be read: %(error)s") % {"error": exc}) from exc
    if header is None:
        raise FileProblem(_("The file is empty: it has no header row and no data."))
    while header and not header[-1]:
        header.pop()
    return header, data


def template_xlsx(headers: list[str], notes: list[tuple[str, str, str]]) -> bytes:
    """A workbook with the header row to fill in, and a second sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")
    sheet.append(headers)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(header) * 3)
        sheet.cell(row=1, column=index).number_format = "@"
    help_sheet = workbook.create_sheet(_("How to fill in"))
    help_sheet.append([_("Column"), _("Required"), _("Example and rules")])
    for note in notes:
        help_sheet.append(list(note))
    help_sheet.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(headers: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(headers)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
