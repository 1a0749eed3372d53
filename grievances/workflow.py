"""The case state machine: which move leads where, from which states, under which conditions, and who may make it.

Services call `check(actor, action, case)` before any change; an illegal move raises
InvalidMove (a ValidationError, shown to the user), a move by the wrong person PermissionDenied.
The case page offers `available(actor, case)`: exactly the moves `check()` lets through, because
both apply the same sources, guards and people.
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

from .models import Case

S = Case.Status
OPEN = {S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS}


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


def only_for_types(*types: str) -> Guard:
    """The move applies to these types of case only."""
    allowed = frozenset(types)

    def guard(case: Case, today: datetime.date) -> str | None:
        if case.type not in allowed:
            return _("This is done only on cases of type %(types)s.") % {"types": "、".join(str(Case.Type(t).label) for t in types)}
        return None

    return guard


@dataclass(frozen=True)
class Move:
    label: str
    sources: frozenset
    target: str | None  # None: the status stays (a side move)
    who: str  # "intake", "unit", "pending_unit", "leader", "supervisor"
    guards: tuple[Guard, ...] = ()  # conditions beyond the status, checked by check() and available() alike
    confirm: str = ""  # a final move: the page asks "are you sure?" with this warning before it is made


# Moves that apply to some types of case only: a guard of the move, so check() refuses them too.
ONLY_FOR_TYPES = {"mediate": {Case.Type.DISPUTE}}
EXTENSION_GUARDS = (not_extended_yet, not_overdue)

MOVES: dict[str, Move] = {
    "accept": Move(gettext_lazy("Accept"), frozenset({S.REGISTERED}), S.ACCEPTED, "intake"),
    "reject": Move(gettext_lazy("Do not accept"), frozenset({S.REGISTERED}), S.REJECTED, "intake", confirm=gettext_lazy(
        "Not accepting ends the case: the petitioner is told the reason, and the case cannot be accepted afterwards.")),
    "assign": Move(gettext_lazy("Assign to a unit"), frozenset({S.ACCEPTED}), S.ASSIGNED, "intake"),
    "start": Move(gettext_lazy("Start work"), frozenset({S.ASSIGNED}), S.IN_PROGRESS, "unit"),
    "resolve": Move(gettext_lazy("Resolve"), frozenset({S.IN_PROGRESS}), S.RESOLVED, "unit"),
    # The petition office records the rating (or calls back): the unit does not rate itself.
    "evaluate": Move(gettext_lazy("Record the petitioner's rating"), frozenset({S.RESOLVED}), S.EVALUATED, "intake"),
    "close": Move(gettext_lazy("Close (销号)"), frozenset({S.EVALUATED}), S.CLOSED, "leader", confirm=gettext_lazy(
        "Closing (销号) is final: the case leaves every list of open work and cannot be reopened.")),
    "reopen": Move(gettext_lazy("Reopen"), frozenset({S.RESOLVED, S.EVALUATED}), S.IN_PROGRESS, "leader"),
    "request_extension": Move(gettext_lazy("Ask for an extension"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "unit", EXTENSION_GUARDS),
    "extend": Move(gettext_lazy("Approve an extension"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "leader", EXTENSION_GUARDS),
    "escalate": Move(gettext_lazy("Escalate one level"), frozenset(OPEN), None, "intake", (below_county,)),
    "transfer": Move(gettext_lazy("Transfer to another unit"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "unit", (no_transfer_waiting,)),
    "accept_transfer": Move(gettext_lazy("Accept the transfer"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "pending_unit"),
    "supervise": Move(gettext_lazy("Put under supervision (挂牌督办)"), frozenset(OPEN), None, "supervisor", (not_supervised_yet,)),
    "mediate": Move(gettext_lazy("Record a mediation session"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "unit",
                    (only_for_types(*ONLY_FOR_TYPES["mediate"]),)),
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
    """Why the case does not allow the move now (its status or a guard), or None if it does."""
    move = MOVES[action]
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
