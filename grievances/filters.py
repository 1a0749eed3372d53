"""The case list's filters, declared and validated in one FilterSet (the list, its Excel export and the
rectification ledger read the same query string).

A value that does not validate is left out: a stale or hand-edited link shows the cases the other
filters ask for, never an error page (the dashboards and the home page build these
query strings). The narrowing itself stays in selectors.case_list, which starts from the cases the user
may see: the FilterSet takes no queryset from its caller, so no filter can widen that.
"""

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.forms import EARLIEST, LATEST

from . import rates, selectors
from .models import Case

TAB_LABELS = {"all": _("All I can see"), "mine": _("Mine"), "unit": _("My unit's"), "led": _("I lead"),
              "supervised": _("Supervised"), "overdue": _("Overdue")}
TABS = [(key, TAB_LABELS[key]) for key in selectors.TABS]  # a tab the selector learns without a label fails here

DATES = _("Choose dates between 2000 and 2100.")  # the dashboards' scope form says the same


def _date_filter(label):
    return django_filters.DateFilter(
        label=label, input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(EARLIEST, DATES), MaxValueValidator(LATEST, DATES)],
    )


class CaseFilter(django_filters.FilterSet):
    tab = django_filters.ChoiceFilter(label=_("Show"), choices=TABS)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=[("open", _("Open (not yet resolved)")), *Case.Status.choices])
    type = django_filters.ChoiceFilter(label=_("Type"), choices=Case.Type.choices)
    category = django_filters.CharFilter(label=_("Category"), validators=[RegexValidator(r"\A[0-9]{1,9}\Z")])  # a row id
    level = django_filters.ChoiceFilter(label=_("Handling level"), choices=Case.Level.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Case.Source.choices)
    region = django_filters.CharFilter(label=_("Region"), validators=[RegexValidator(r"\A[0-9]{12}\Z", _("A division code is 12 digits."))])
    due_within = django_filters.CharFilter(label=_("Due within"), validators=[RegexValidator(r"\A[0-9]{1,3}\Z")])  # days
    q = django_filters.CharFilter(label=_("Search cases"))
    counted = django_filters.ChoiceFilter(label=_("Counted in"), choices=list(rates.BASES.items()))
    mark = django_filters.ChoiceFilter(label=_("Marked"), choices=[(name, label) for name, (label, _q) in rates.MARKS.items()])
    date_from = _date_filter(_("Registered from"))
    date_to = _date_filter(_("Registered to"))

    def __init__(self, data=None, *, user):
        # No queryset from outside: the cases always come from selectors.case_list(user, …).
        super().__init__(QueryDict() if data is None else data, queryset=Case.objects.none())
        self.user = user

    def filter_queryset(self, queryset):
        """The cases the user may see, narrowed by the values that validated (an invalid one is left out).
        `queryset` is the empty one of __init__: the selector builds the scoped one, with its joins."""
        values = self.form.cleaned_data
        return selectors.case_list(
            self.user, tab=values.get("tab") or "all", status=values.get("status", ""), type=values.get("type", ""),
            category=values.get("category", ""), level=values.get("level", ""), source=values.get("source", ""),
            region=values.get("region", ""), due_within=values.get("due_within", ""), search=values.get("q", ""),
            registered_from=values.get("date_from"), registered_to=values.get("date_to"), counted=values.get("counted", ""),
            mark=values.get("mark", ""),
        )

    @property
    def values(self) -> dict[str, str]:
        """Each filter's value as the list's controls and links show it: "" where missing or invalid, the tab "all"."""
        self.errors  # noqa: B018 - validates the form, filling cleaned_data
        shown = {name: self.form.cleaned_data.get(name) for name in self.filters}
        shown["tab"] = shown["tab"] or "all"
        return {name: value.isoformat() if hasattr(value, "isoformat") else value or "" for name, value in shown.items()}
