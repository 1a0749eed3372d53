"""The case rates, defined once: the case list, the rectification ledger, the case dashboard and the
rankings all count them with these expressions and divide with these properties.

Each rate is a share from 0 to 1, or None when nothing is counted yet (shown as —):
- 按期受理率 on_time_acceptance: answered (accepted or refused) by the acceptance limit / cases answered or past that limit;
- 办结率 resolution: resolved / accepted;
- 按期办结率 on_time_resolution: resolved by the resolution limit / cases resolved or past that limit;
- 满意率 satisfaction: satisfied or fairly satisfied / rated;
- 调解成功率 mediation_success: disputes with an agreement / disputes mediated;
- 小事不出村 village_share: resolved at village level / resolved.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from core.numbers import share

from .models import Case


def counts(today: datetime.date) -> dict:
    """The counts behind CaseRates as aggregate expressions, for aggregate() or a grouped annotate().
    The cases must be one row each (no join to a many-valued relation)."""
    answered = Q(responded_at__isnull=False)
    resolved = Q(status__in=Case.RESOLVED_STATUSES)
    return {
        "due_for_answer": Count("pk", filter=answered | Q(status=Case.Status.REGISTERED, accept_due__lt=today)),
        "answered_on_time": Count("pk", filter=answered & Q(responded_at__date__lte=F("accept_due"))),
        "accepted": Count("pk", filter=Q(status__in=Case.ACCEPTED_STATUSES)),
        "resolved": Count("pk", filter=resolved),
        "due_for_resolution": Count("pk", filter=resolved | Q(status__in=Case.RUNNING_STATUSES, resolve_due__lt=today)),
        "resolved_on_time": Count("pk", filter=resolved & Q(resolved_at__date__lte=F("resolve_due"))),
        "evaluated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction__in=[Case.Satisfaction.SATISFIED, Case.Satisfaction.FAIRLY_SATISFIED])),
        "mediated": Count("pk", filter=Q(was_mediated=True)),
        "mediation_agreed": Count("pk", filter=Q(mediation_agreed=True)),
        "village_resolved": Count("pk", filter=resolved & Q(level=Case.Level.VILLAGE)),
    }


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
    def mediation_success(self):
        return share(self.mediation_agreed, self.mediated)

    @property
    def village_share(self):
        return share(self.village_resolved, self.resolved)


def rates_of(cases, today: datetime.date | None = None) -> CaseRates:
    """The rates over these cases, in one query."""
    return CaseRates(**cases.order_by().aggregate(**counts(today or timezone.localdate())))
