"""The case rates, defined once: the case list, the rectification ledger, the case dashboard and the
rankings all count them with these expressions and divide with these properties.

Each rate is a share from 0 to 1, or None when nothing is counted yet (shown as —):
- 按期受理率 on_time_acceptance: answered (accepted or refused) by the acceptance limit / cases answered or past that limit;
- 办结率 resolution: resolved / accepted;
- 按期办结率 on_time_resolution: resolved by the resolution limit / cases resolved or past that limit;
- 满意率 satisfaction: satisfied or fairly satisfied / rated; self_satisfaction: the same over the petitioners' own
  ratings (the lookup page), apart from those staff recorded;
- 调解成功率 mediation_success: disputes with an agreement / disputes mediated;
- 小事不出村 village_share: resolved at village level / resolved.

A repeat (重复件, grievances/repeats.py) is in none of the counts: its original is (COUNTED_ONCE).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.numbers import share

from .models import Case

COUNTED_ONCE = Q(duplicate_of=None)  # a repeat (重复件) is counted in its original's figures, not again

# The marks a case dashboard counts, and the case list's `mark` filter that opens each count.
MARKS = {
    "counted_once": (_("Counted once (repeats left out)"), COUNTED_ONCE),
    "collective": (_("Collective (集体访, 5 people or more)"), Q(head_count__gte=Case.COLLECTIVE_HEAD_COUNT) & COUNTED_ONCE),
    "skipped_level": (_("Skipped a level (越级访)"), Q(skipped_level=True) & COUNTED_ONCE),
    "abnormal": (_("Irregular (非正常访)"), Q(abnormal=True) & COUNTED_ONCE),
    "repeat": (_("Repeats (重复件)"), ~COUNTED_ONCE),
}


def conditions(today: datetime.date) -> dict[str, Q]:
    """What puts a case in each count behind CaseRates (the case list's `counted` filter lists one of them)."""
    answered = Q(responded_at__isnull=False)
    resolved = Q(status__in=Case.RESOLVED_STATUSES)
    return {name: condition & COUNTED_ONCE for name, condition in {
        "due_for_answer": answered | Q(status=Case.Status.REGISTERED, accept_due__lt=today),
        "answered_on_time": answered & Q(responded_at__date__lte=F("accept_due")),
        "accepted": Q(status__in=Case.ACCEPTED_STATUSES),
        "resolved": resolved,
        "due_for_resolution": resolved | Q(status__in=Case.RUNNING_STATUSES, resolve_due__lt=today),
        "resolved_on_time": resolved & Q(resolved_at__date__lte=F("resolve_due")),
        "evaluated": ~Q(satisfaction=""),
        "satisfied": Q(satisfaction__in=[Case.Satisfaction.SATISFIED, Case.Satisfaction.FAIRLY_SATISFIED]),
        "self_evaluated": ~Q(satisfaction="") & Q(rated_by_petitioner=True),
        "self_satisfied": Q(satisfaction__in=[Case.Satisfaction.SATISFIED, Case.Satisfaction.FAIRLY_SATISFIED], rated_by_petitioner=True),
        "mediated": Q(was_mediated=True),
        "mediation_agreed": Q(mediation_agreed=True),
        "village_resolved": resolved & Q(level=Case.Level.VILLAGE),
    }.items()}


# The cases each rate divides by, as the case list's `counted` filter offers them: a figure that says how many
# records a rate is counted over (the rankings' 样本不足) opens a list of exactly that many.
BASES = {
    "due_for_answer": _("Due for an answer (on-time acceptance)"),
    "accepted": _("Accepted (resolution)"),
    "due_for_resolution": _("Due for resolution (on-time resolution)"),
    "evaluated": _("Rated (satisfaction)"),
    "self_evaluated": _("Rated by the petitioner themself"),
    "mediated": _("Mediated (mediation success)"),
    "resolved": _("Resolved (settled in the village)"),
}


def counts(today: datetime.date) -> dict:
    """The counts behind CaseRates as aggregate expressions, for aggregate() or a grouped annotate().
    The cases must be one row each (no join to a many-valued relation)."""
    return {name: Count("pk", filter=condition) for name, condition in conditions(today).items()}



@dataclass
class CaseRates:
    """The counts of `counts()` and the rates they make (the dashboards' CaseFigures adds its tallies)."""

    due_for_answer: int = 0
    answered_on_time: int = 0
    accepted: int = 0
    resolved: int = 0
    due_for_resolution: int = 0
    resolved_on_time: int = 0
    evaluated: int = 0
    satisfied: int = 0
    self_evaluated: int = 0  # of those, rated by the petitioner on the lookup page (the rest recorded by staff)
    self_satisfied: int = 0
    mediated: int = 0
    mediation_agreed: int = 0
    village_resolved: int = 0

    @property
    def on_time_acceptance(self):
        return share(self.answered_on_time, self.due_for_answer)

    @property
    def resolution(self):
        return share(self.resolved, self.accepted)

    @property
    def on_time_resolution(self):
        return share(self.resolved_on_time, self.due_for_resolution)

    @property
    def satisfaction(self):
        return share(self.satisfied, self.evaluated)

    @property
    def self_satisfaction(self):
        """满意率 over the petitioners' own ratings only."""
        return share(self.self_satisfied, self.self_evaluated)

    @property
    def mediation_success(self):
        return share(self.mediation_agreed, self.mediated)

    @property
    def village_share(self):
        return share(self.village_resolved, self.resolved)


def rates_of(cases, today: datetime.date | None = None) -> CaseRates:
    """The rates over these cases, in one query."""
    return CaseRates(**cases.order_by().aggregate(**counts(today or timezone.localdate())))
