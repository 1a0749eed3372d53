"""Excel exports: Chinese headers, real dates, and no cell a spreadsheet would run as a formula."""

import datetime
import io
from urllib.parse import quote

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
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


def workbook_response(filename: str, sheet_title: str, headers: list[str], rows, formats: dict[int, str] | None = None,
                      purpose: str = "") -> HttpResponse:
    """An .xlsx download, recorded in the audit trail with its row count (and purpose, for personal data);
    `formats` gives number formats by column index (0-based), e.g. "0.0%"."""
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
    audit.record(audit.Action.EXPORT, summary=filename, rows=sheet.max_row - 1, **({"purpose": purpose} if purpose else {}))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ExportPurposeForm(forms.Form):
    """Why residents' personal data leaves the system (PIPL: a stated purpose, kept in the audit trail)."""

    PURPOSES = [
        ("report", _("Report to a higher authority")),
        ("casework", _("Working the cases")),
        ("fieldwork", _("Planning visits and help")),
        ("inspection", _("Inspection (督查)")),
        ("other", _("Other (say what)")),
    ]
    purpose = forms.ChoiceField(label=_("Purpose of the export"), choices=PURPOSES, widget=forms.Select(attrs={"class": "form-select"}))
    detail = forms.CharField(label=_("Details"), required=False, max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("purpose") == "other" and not cleaned.get("detail", "").strip():
            self.add_error("detail", _("Say what the export is for."))
        return cleaned

    @property
    def statement(self) -> str:
        label = dict(self.PURPOSES)[self.cleaned_data["purpose"]]
        detail = self.cleaned_data.get("detail", "").strip()
        return f"{label}：{detail}" if detail else str(label)


def personal_data_export(request, export):
    """Exports of residents' personal data need the permission and a stated purpose; until the purpose is
    given, the page asks for it. `export(purpose)` builds the download."""
    if not request.user.has_perm("accounts.export_personal_data"):
        raise PermissionDenied
    form = ExportPurposeForm(request.POST if request.method == "POST" else None)  # a POST: a link cannot state it for someone
    if not form.is_valid():
        return render(request, "export_purpose.html", {"form": form})
    return export(form.statement)


def decode_csv_text(raw: bytes) -> str | None:
    """The text of an uploaded CSV as Chinese offices save it: UTF-8 (with or without Excel's BOM) or
    GBK/GB18030; None when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
