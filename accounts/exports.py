"""Downloads of data, recorded in the audit trail; residents' personal data only with the permission
and a stated purpose (PIPL)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.excel import download, workbook

from . import audit


def workbook_response(filename: str, sheet_title: str, headers: list[str], rows, formats: dict[int, str] | None = None,
                      purpose: str = "") -> HttpResponse:
    """An .xlsx download (core.excel.workbook), recorded in the audit trail with its row count (and
    purpose, for personal data)."""
    book = workbook(sheet_title, headers, rows, formats)
    audit.record(audit.Action.EXPORT, summary=filename, rows=book.active.max_row - 1, **({"purpose": purpose} if purpose else {}))
    return download(book, filename)


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
