"""The case state machine: which move leads where, from which states, and who may make it.

Services call `check(actor, action, case)` before any change; an illegal move raises
InvalidMove (a ValidationError, shown to the user), a move by the wrong person PermissionDenied.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
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


@dataclass(frozen=True)
class Move:
    label: str
    sources: frozenset
    target: str | None  # None: the status stays (a side move)
    who: str  # "intake", "unit", "pending_unit", "leader", "supervisor"


MOVES: dict[str, Move] = {
    "accept": Move(gettext_lazy("Accept"), frozenset({S.REGISTERED}), S.ACCEPTED, "intake"),
    "reject": Move(gettext_lazy("Do not accept"), frozenset({S.REGISTERED}), S.REJECTED, "intake"),
    "assign": Move(gettext_lazy("Assign to a unit"), frozenset({S.ACCEPTED}), S.ASSIGNED, "intake"),
    "start": Move(gettext_lazy("Start work"), frozenset({S.ASSIGNED}), S.IN_PROGRESS, "unit"),
    "resolve": Move(gettext_lazy("Resolve"), frozenset({S.IN_PROGRESS}), S.RESOLVED, "unit"),
    # The petition office records the rating (or calls back): the unit does not rate itself.
    "evaluate": Move(gettext_lazy("Record the petitioner's rating"), frozenset({S.RESOLVED}), S.EVALUATED, "intake"),
    "close": Move(gettext_lazy("Close (销号)"), frozenset({S.EVALUATED}), S.CLOSED, "leader"),
    "reopen": Move(gettext_lazy("Reopen"), frozenset({S.RESOLVED, S.EVALUATED}), S.IN_PROGRESS, "leader"),
    "request_extension": Move(gettext_lazy("Ask for an extension"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "unit"),
    "extend": Move(gettext_lazy("Approve an extension"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "leader"),
    "escalate": Move(gettext_lazy("Escalate one level"), frozenset(OPEN), None, "intake"),
    "transfer": Move(gettext_lazy("Transfer to another unit"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "unit"),
    "accept_transfer": Move(gettext_lazy("Accept the transfer"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "pending_unit"),
    "supervise": Move(gettext_lazy("Put under supervision (挂牌督办)"), frozenset(OPEN), None, "supervisor"),
    "mediate": Move(gettext_lazy("Record a mediation session"), frozenset({S.ASSIGNED, S.IN_PROGRESS}), None, "unit"),
}

# Moves that apply to some types of case only.
ONLY_FOR_TYPES = {"mediate": {Case.Type.DISPUTE}}


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
        return actor.has_role(Role.SUPERVISOR) and within_jurisdiction(actor, case.village_id) and not case.supervised
    return case.leader_id == actor.pk  # "leader"


def check(actor, action: str, case: Case) -> Move:
    """The move, if it is legal from the case's state and the actor may make it."""
    move = MOVES[action]
    if case.status not in move.sources:
        raise InvalidMove(
            _("“%(move)s” is not possible while the case is “%(status)s”.") % {"move": move.label, "status": case.get_status_display()}
        )
    if not may(actor, action, case):
        raise PermissionDenied(_("You may not “%(move)s” on this case.") % {"move": move.label})
    return move


def available(actor, case: Case) -> list[str]:
    """Moves the actor can make now, for the case page's buttons."""
    return [
        name for name, move in MOVES.items()
        if case.status in move.sources and case.type in ONLY_FOR_TYPES.get(name, {case.type}) and may(actor, name, case)
    ]
