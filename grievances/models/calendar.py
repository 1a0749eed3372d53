from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule in the State Council's holiday schedule: a holiday on a
    weekday, or a make-up working day (调休) on a weekend. The deadline engine (grievances/deadlines.py)
    counts working days from these rows; a year with no rows is not yet known."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (放假)")
        WORKDAY = "workday", _("Make-up working day (调休上班)")

    day = models.DateField(_("date"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=50, help_text=_("e.g. 春节, 国庆节"))
    source = models.CharField(_("source"), max_length=200, help_text=_("The notice it comes from, e.g. 国办发明电〔2026〕7号"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"
