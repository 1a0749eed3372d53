"""Reading uploaded tables: .xlsx through openpyxl, .csv in UTF-8 or GB18030 (what Chinese Excel saves).

A file is refused before it is read whole when it is too big for one import: MAX_ROWS rows below the
header, MAX_COLUMNS columns. An .xlsx is a zip of XML that can unpack to far more than it weighs (a
280 KB file held 2 million rows), so its unpacked sizes are checked first, then the size its first
sheet declares (its <dimension>), and the rows are counted as they stream in, since a sheet may declare
no size or a wrong one."""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.functions import iterparse

from core.excel import decode_csv_text

MAX_ROWS = 100_000  # rows below the header, blank ones included: a county's households fit (docs/scaling.md)
MAX_COLUMNS = 50  # the widest template has a dozen
# Unpacked sizes of an .xlsx: its sheets are streamed, but openpyxl holds the shared strings, styles
# and the rest in memory. A full 100,000-row sheet unpacks to about 40 MB.
MAX_SHEET_BYTES = 256 * 1024 * 1024
MAX_OTHER_PARTS_BYTES = 64 * 1024 * 1024

_SHEET_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class FileProblem(Exception):
    """The file as a whole cannot be read; the message is for the user. `rows_read`: the rows read
    before a size limit refused the file (0 when it was refused by what it declares)."""

    def __init__(self, message, rows_read: int = 0):
        super().__init__(message)
        self.rows_read = rows_read


def _too_many_rows(rows_read: int = 0, max_rows: int = MAX_ROWS) -> FileProblem:
    return FileProblem(_("The file has more than %(limit)s rows below the header (blank rows count too). Split it into files of at most %(limit)s rows and import them one after another.")
                       % {"limit": f"{max_rows:,}"}, rows_read=rows_read)


def _too_many_columns() -> FileProblem:
    return FileProblem(_("The file has more than %(limit)s columns (empty cells that were formatted count too). Copy only the template's columns into the template and import that.")
                       % {"limit": MAX_COLUMNS})


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


def _not_xlsx() -> FileProblem:
    return FileProblem(_("The file is not a valid Excel (.xlsx) workbook. Save it from Excel as .xlsx and try again."))


def check_xlsx_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts unpack to more than an import can hold (the sizes its zip directory
    declares; reading stops there even if a part holds more)."""
    sheets = other = 0
    for part in archive.infolist():
        if part.filename.startswith("xl/worksheets/"):
            sheets = max(sheets, part.file_size)
        else:
            other += part.file_size
    if sheets > MAX_SHEET_BYTES or other > MAX_OTHER_PARTS_BYTES:
        raise FileProblem(_("The workbook unpacks to more than an import can take. Save only the sheet to import, as .xlsx, and try again."))


def _first_sheet_part(source) -> str:
    """The archive path of the first sheet, from the workbook's own index (without reading any sheet)."""
    reader = ExcelReader(source, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_workbook()
        for _sheet, relation in reader.parser.find_sheets():
            if "chartsheet" not in relation.Type and relation.target in reader.valid_files:
                return relation.target  # the sheet openpyxl's workbook.worksheets[0] is
    finally:
        reader.archive.close()
    raise KeyError("no worksheet")


def _declared_size(archive: zipfile.ZipFile, part: str, max_rows: int, *, count: bool = True) -> tuple[int, int] | None:
    """(rows, columns) as the sheet's <dimension> declares them, read from the start of the sheet only.
    Without a <dimension> (and `count`) the rows are counted, stopping past max_rows, because openpyxl
    itself would read the whole sheet to size it."""
    with archive.open(part) as source:
        sheet_data = None
        rows = 0
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start" and element.tag == f"{_SHEET_MAIN}dimension" and sheet_data is None:
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref", "A1"))
                return (max_row or 1) - (min_row or 1) + 1, (max_col or 1) - (min_col or 1) + 1
            if event == "start" and element.tag == f"{_SHEET_MAIN}sheetData":
                if not count:
                    return None
                sheet_data = element
            elif event == "end" and element.tag == f"{_SHEET_MAIN}row":
                rows += 1
                if rows > max_rows + 1:
                    raise _too_many_rows(rows, max_rows)
                sheet_data.clear()  # the rows already counted are not kept
    return None


def _check_xlsx_size(source, max_rows: int, *, count: bool = True) -> None:
    """Refuse a workbook too big to import from its zip directory and its first sheet's declared size."""
    try:
        with zipfile.ZipFile(source) as archive:
            check_xlsx_parts(archive)
            declared = _declared_size(archive, _first_sheet_part(source), max_rows, count=count)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError) as exc:  # SyntaxError: XML parse errors
        raise _not_xlsx() from exc
    if declared is not None:
        rows, columns = declared
        if rows > max_rows + 1:
            raise _too_many_rows(0, max_rows)
        if columns > MAX_COLUMNS:
            raise _too_many_columns()


def check_upload(upload, *, max_rows: int = MAX_ROWS) -> None:
    """What the upload form can tell at once of an .xlsx without reading its rows: that it is a workbook
    whose parts and declared size are within the limits (the import counts the rows themselves)."""
    if not upload.name.lower().endswith(".xlsx"):
        return
    try:
        _check_xlsx_size(upload, max_rows, count=False)
    finally:
        upload.seek(0)


def _xlsx_rows(path: str, max_rows: int) -> Iterator[tuple]:
    _check_xlsx_size(path, max_rows)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _not_xlsx() from exc
    try:
        sheet = workbook.worksheets[0]
        # The declared size may be wrong (openpyxl would stop at it, dropping rows, or fill up to it):
        # read the rows that are there; read_table counts them.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(path: str) -> Iterator[list[str]]:
    with open(path, "rb") as f:
        raw = f.read()
    if b"\x00" in raw:
        raise FileProblem(_("The file is not a text CSV file. Save it from Excel as CSV and try again."))
    text = decode_csv_text(raw)
    if text is None:
        raise FileProblem(_("The CSV file is neither UTF-8 nor GBK encoded."))
    yield from csv.reader(io.StringIO(text))


def read_table(path: str, *, max_rows: int = MAX_ROWS) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and data rows of the first sheet, each data row with its row number as the user sees it.
    Refused (FileProblem) past max_rows rows below the header or MAX_COLUMNS columns, without reading on."""
    rows = _xlsx_rows(path, max_rows) if path.lower().endswith(".xlsx") else _csv_rows(path)
    header: list[str] | None = None
    data = []
    try:
        for number, row in enumerate(rows, start=1):
            if number > max_rows + 1:  # the header and max_rows rows below it
                raise _too_many_rows(number, max_rows)
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns()
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
