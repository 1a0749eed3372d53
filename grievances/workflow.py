"""The case state machine: which move leads where, from which states, under which conditions, and who may make it.

Services call `check(actor, action, case)` before any change; an illegal move raises
InvalidMove (a ValidationError, shown to the user), a move by the wrong person PermissionDenied.
The case page offers `available(actor, case)`: exactly the moves `check()` lets through, because
both apply the same types of case, sources, guards and people.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Unit
from accounts.regions import prefix_of
from accounts.roles import Role
from accounts.scoping import within_jurisdiction

from .models import Case, CaseEvent

S = Case.Status
A = CaseEvent.Action


class InvalidMove(ValidationError):
    pass


# A guard looks at the case (and today) and returns None when the move may be made, else why not.
Guard = Callable[[Case, datetime.date], str | None]


def not_extended_yet(case: Case, today: datetime.date) -> str | None:
    """第34条: the resolution limit is extended once at most."""
    if case.extension_days:
        return _("The time limit was already extended once; it cannot be extended again.")
    return None


def not_overdue(case: Case, today: datetime.date) -> str | None:
    """An extension is asked for and given before the limit runs out."""
    if case.resolve_due and today > case.resolve_due:
        return _("The time limit has already passed: an overdue case cannot be extended.")
    return None


def below_county(case: Case, today: datetime.date) -> str | None:
    if case.level == Case.Level.COUNTY:
        return _("The case is already handled at county level.")
    return None


def no_transfer_waiting(case: Case, today: datetime.date) -> str | None:
    """首接负责: one transfer at a time, until the other unit accepts it."""
    if case.pending_unit_id:
        return _("A transfer to %(unit)s is waiting to be accepted.") % {"unit": case.pending_unit}
    return None


def not_supervised_yet(case: Case, today: datetime.date) -> str | None:
    if case.supervised:
        return _("The case is already supervised by a leader (挂牌督办).")
    return None


@dataclass(frozen=True)
class Move:
    label: str
    sources: frozenset
    target: str | None  # None: the status stays (a side move)
    who: str  # "intake", "unit", "pending_unit", "leader", "supervisor"
    guards: tuple[Guard, ...] = ()  # conditions beyond the status, checked by check() and available() alike
    confirm: str = ""  # a final move: the page asks "are you sure?" with this warning before it is made
    types: frozenset = frozenset()  # the types of case the move applies to; empty: every type. Checked by both too.


EXTENSION_GUARDS = (not_extended_yet, not_overdue)

# Keyed by the event each move records (CaseEvent.Action), whose label is the move's button.
MOVES: dict[str, Move] = {
    A.ACCEPT: Move(A.ACCEPT.label, frozenset({S.REGISTERED}), S.ACCEPTED, "intake"),
    A.REJECT: Move(A.REJECT.label, frozenset({S.REGISTERED}), S.REJECTED, "intake", confirm=gettext_lazy(
        "Not accepting ends the case: the petitioner is told the reason, and the case cannot be accepted afterwards.")),
    A.ASSIGN: Move(A.ASSIGN.label, frozenset({S.ACCEPTED}), S.ASSIGNED, "intake"),
    A.START: Move(A.START.label, frozenset({S.ASSIGNED}), S.IN_PROGRESS, "unit"),
    A.RESOLVE: Move(A.RESOLVE.label, frozenset({S.IN_PROGRESS}), S.RESOLVED, "unit"),
    # The petition office records the rating (or calls back): the unit does not rate itself.
    A.EVALUATE: Move(A.EVALUATE.label, frozenset({S.RESOLVED}), S.EVALUATED, "intake"),
    A.CLOSE: Move(A.CLOSE.label, frozenset({S.EVALUATED}), S.CLOSED, "leader", confirm=gettext_lazy(
        "Closing (销号) is final: the case leaves every list of open work and cannot be reopened.")),
    A.REOPEN: Move(A.REOPEN.label, frozenset({S.RESOLVED, S.EVALUATED}), S.IN_PROGRESS, "leader"),
    A.REQUEST_EXTENSION: Move(A.REQUEST_EXTENSION.label, frozenset(Case.IN_WORK_STATUSES), None, "unit", EXTENSION_GUARDS),
    A.EXTEND: Move(A.EXTEND.label, frozenset(Case.IN_WORK_STATUSES), None, "leader", EXTENSION_GUARDS),
    A.ESCALATE: Move(A.ESCALATE.label, frozenset(Case.OPEN_STATUSES), None, "intake", (below_county,)),
    A.TRANSFER: Move(A.TRANSFER.label, frozenset(Case.IN_WORK_STATUSES), None, "unit", (no_transfer_waiting,)),
    A.ACCEPT_TRANSFER: Move(A.ACCEPT_TRANSFER.label, frozenset(Case.IN_WORK_STATUSES), None, "pending_unit"),
    A.SUPERVISE: Move(A.SUPERVISE.label, frozenset(Case.OPEN_STATUSES), None, "supervisor", (not_supervised_yet,)),
    A.MEDIATE: Move(A.MEDIATE.label, frozenset(Case.IN_WORK_STATUSES), None, "unit", types=frozenset({Case.Type.DISPUTE})),  # 矛盾纠纷 only
}

INTAKE_UNIT_KINDS = {Unit.Kind.PETITION_OFFICE, Unit.Kind.TOWNSHIP}


def is_intake_for(actor, village_id: str) -> bool:
    """A handler of a petition office or township government whose region holds the village."""
    return (
        bool(actor.unit_id) and actor.has_role(Role.HANDLER) and actor.unit.kind in INTAKE_UNIT_KINDS
        and village_id.startswith(prefix_of(actor.unit.region_id))
    )


def is_intake(actor, case: Case) -> bool:
    return is_intake_for(actor, case.village_id)


def may(actor, action: str, case: Case) -> bool:
    """Whether the actor is the person for this move on this case (not whether the case allows it now)."""
    if actor.is_superuser:
        return True
    who = MOVES[action].who
    if who == "intake":
        return is_intake(actor, case)
    if who == "unit":
        return actor.has_role(Role.HANDLER) and (case.unit_id == actor.unit_id or case.handlers.filter(pk=actor.pk).exists())
    if who == "pending_unit":
        return actor.has_role(Role.HANDLER) and case.pending_unit_id is not None and case.pending_unit_id == actor.unit_id
    if who == "supervisor":
        return actor.has_role(Role.SUPERVISOR) and within_jurisdiction(actor, case.village_id)
    return case.leader_id == actor.pk  # "leader"


def refusal(action: str, case: Case, *, today: datetime.date | None = None) -> str | None:
    """Why the case does not allow the move now (its type, its status or a guard), or None if it does."""
    move = MOVES[action]
    if move.types and case.type not in move.types:
        types = "、".join(str(label) for value, label in Case.Type.choices if value in move.types)
        return _("This is done only on cases of type %(types)s.") % {"types": types}
    if case.status not in move.sources:
        return _("“%(move)s” is not possible while the case is “%(status)s”.") % {"move": move.label, "status": case.get_status_display()}
    today = today or timezone.localdate()
    for guard in move.guards:
        if reason := guard(case, today):
            return reason
    return None


def check(actor, action: str, case: Case, *, today: datetime.date | None = None) -> Move:
    """The move, if the case allows it now and the actor may make it."""
    if reason := refusal(action, case, today=today):
        raise InvalidMove(reason)
    move = MOVES[action]
    if not may(actor, action, case):
        raise PermissionDenied(_("You may not “%(move)s” on this case.") % {"move": move.label})
    return move


def available(actor, case: Case, *, today: datetime.date | None = None) -> list[str]:
    """The moves `check()` would let the actor make now, for the case page's buttons."""
    today = today or timezone.localdate()
    return [name for name in MOVES if refusal(name, case, today=today) is None and may(actor, name, case)]
