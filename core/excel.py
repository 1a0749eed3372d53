"""Excel and CSV files: Chinese headers, real dates, no cell a spreadsheet would run as a formula, and
CSV text in the encodings Chinese offices save it in. (Downloads are recorded in the audit trail by
accounts.exports.workbook_response, which builds on this.)"""

import datetime
import io
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Text starting like a formula gets a leading apostrophe (CSV/formula injection, OWASP)."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters a workbook cannot hold
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


def workbook(sheet_title: str, headers: list[str], rows, formats: dict[int, str] | None = None) -> Workbook:
    """One sheet: bold headers, safe cells, dates as dates; `formats` gives number formats by column
    index (0-based), e.g. "0.0%"."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = sheet_title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for index, column in enumerate(sheet.iter_cols(min_row=2)):
        for cell in column:
            if formats and index in formats and isinstance(cell.value, (int, float)):
                cell.number_format = formats[index]
            elif isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(10, len(header) * 2 + 4)
    return book


def download(book: Workbook, filename: str) -> HttpResponse:
    """The workbook as an .xlsx attachment under a Chinese file name."""
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def decode_csv_text(raw: bytes) -> str | None:
    """The text of an uploaded CSV as Chinese offices save it: UTF-8 (with or without Excel's BOM) or
    GBK/GB18030; None when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
