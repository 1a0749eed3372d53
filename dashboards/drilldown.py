"""Where a dashboard looks: a region inside the user's jurisdiction, and a date range.

Every dashboard number links one level down (county → township → village → cadre or case list)
with the same filters, and the breadcrumbs lead back up, never above the user's jurisdiction.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.db.models import F
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.regions import PREFIX_LENGTHS, ancestor_codes, is_valid_code, level_of
from accounts.scoping import within_jurisdiction
from core.forms import EARLIEST, LATEST

LONGEST_SPAN = datetime.timedelta(days=3 * 366)  # a dashboard draws one point a day: keep it a few years


class ScopeForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if any(day and not EARLIEST <= day <= LATEST for day in (start, end)):
            raise forms.ValidationError(_("Choose dates between 2000 and 2100."))
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if start and end and end - start > LONGEST_SPAN:
            raise forms.ValidationError(_("Choose at most three years at a time."))
        return cleaned


@dataclass(frozen=True)
class Scope:
    region: Region
    trail: list[Region]  # the user's jurisdiction down to `region`, for breadcrumbs
    date_from: datetime.date
    date_to: datetime.date
    kept: dict[str, str] = field(default_factory=dict)  # other filters every link keeps (e.g. the campaign)

    @cached_property
    def children(self) -> list[Region]:
        """The regions one level down, in code order (none below a village)."""
        return [] if self.is_village else list(self.region.children.order_by("code"))

    @property
    def is_village(self) -> bool:
        return self.region.level >= Region.Level.VILLAGE

    def child_key(self, code_field: str):
        """An expression giving, for a row's region code, the prefix of the child region it lies in
        (not below a village: callers ask only when there are children)."""
        return Substr(F(code_field), 1, PREFIX_LENGTHS[self.region.level + 1])

    @staticmethod
    def child_code(key: str) -> str:
        return key.ljust(12, "0")

    @property
    def breadcrumbs(self) -> list[tuple[Region, str]]:
        """(region, query string) from the user's jurisdiction down to here; the dates and campaign stay."""
        return [(region, self.query(region=region.code)) for region in self.trail]

    def query(self, **changes) -> str:
        """The query string of this scope with some values changed, for links."""
        values = {"region": self.region.code, "date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(), **self.kept}
        values.update({key: value for key, value in changes.items()})
        return urlencode({key: value for key, value in values.items() if value not in (None, "")})


def scope_for(request, *, default_from: datetime.date, default_to: datetime.date, kept: dict | None = None) -> tuple[Scope, ScopeForm]:
    """The scope the request asks for. A region outside the user's jurisdiction is a 404, as for any object."""
    form = ScopeForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}  # an unbound form (no query string) is never valid
    user = request.user
    code = request.GET.get("region", "")
    if code:
        if not is_valid_code(code) or not within_jurisdiction(user, code):
            raise Http404
    elif user.jurisdiction_id:
        code = user.jurisdiction_id
    else:
        top = Region.objects.filter(parent__isnull=True).order_by("code").first() if user.is_superuser else None
        if top is None:
            raise Http404
        code = top.code
    trail = [r for r in Region.objects.filter(code__in=[*ancestor_codes(code), code]).order_by("code")
             if within_jurisdiction(user, r.code)]
    if not trail or trail[-1].code != code or trail[-1].level != level_of(code):
        raise Http404
    scope = Scope(
        region=trail[-1], trail=trail,
        date_from=data.get("date_from") or default_from, date_to=data.get("date_to") or default_to, kept=kept or {},
    )
    return scope, form
