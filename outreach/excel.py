"""Excel exports: Chinese headers, real dates, and no cell a spreadsheet would run as a formula."""

import datetime
import io
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from accounts import audit

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def workbook_response(filename: str, sheet_title: str, headers: list[str], rows, formats: dict[int, str] | None = None) -> HttpResponse:
    """An .xlsx download; `formats` gives number formats by column index (0-based), e.g. "0.0%"."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
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
    audit.record(audit.Action.EXPORT, summary=filename, rows=sheet.max_row - 1)  # who exported what, how many rows
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
