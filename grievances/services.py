"""Every change to a case: registration, then the moves of grievances/workflow.py, each an immutable CaseEvent.

Numbers come from a locked per-year counter: unique, never reused, safe in parallel.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import Unit, User
from accounts.regions import prefix_of
from accounts.roles import Role
from core import pii, uploads

from . import deadlines, repeats, workflow
from .models import Case, CaseCategory, CaseEvent, CaseEventAttachment, CaseNumberCounter, MediationSession
from .notices import notice_plan

PETITIONER = "信访人本人"  # the audit trail's name for the petitioner (no account; the lookup page, online submission): an event with no actor

DEFAULT_CATEGORY = "其他"
LEVEL_UP = {Case.Level.VILLAGE: Case.Level.TOWNSHIP, Case.Level.TOWNSHIP: Case.Level.COUNTY}
NEXT_STAGE = {Case.Stage.ORIGINAL: Case.Stage.REVIEW, Case.Stage.REVIEW: Case.Stage.RE_REVIEW}
A = CaseEvent.Action


def next_case_number(year: int) -> str:
    """XF-<year>-<6 digits>. Must run inside the transaction that saves the case."""
    try:
        with transaction.atomic():
            CaseNumberCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass  # another transaction created the year's counter first
    counter = CaseNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"XF-{year}-{counter.last:06d}"


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def check_attachment(upload, kinds=uploads.DOCUMENTS) -> str:
    """The type of an uploaded document, read from its bytes: PDF, JPEG or PNG (or the `kinds` given), at most 10 MB."""
    content_type = uploads.sniffed_type(upload, kinds)
    if content_type is None:
        raise ValidationError(_("Attach a PDF, JPEG or PNG file.") if kinds == uploads.DOCUMENTS else _("Attach JPEG or PNG photos."))
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The attachment is larger than 10 MB."))
    return content_type


def record_event(case: Case, actor: User, action: CaseEvent.Action, before: str, note: str = "", *, at=None, attachment=None, **data) -> CaseEvent:
    """The move on the case's timeline, in the audit trail, and the text it owes the petitioner (notices.py)."""
    event = CaseEvent.objects.create(
        case=case, actor=actor, action=action, from_status=before, to_status=case.status, note=note, data=data, at=at or timezone.now()
    )
    notice_plan(case, event, now=event.at)
    audit.record(audit.Action.CASE, actor=actor, actor_name="" if actor else PETITIONER, obj=case,
                 summary=f"{case.number} {action}: {before} → {case.status}")
    if attachment is not None:
        attach(event, attachment, check_attachment(attachment))
    return event


def attach(event: CaseEvent, upload, content_type: str) -> CaseEventAttachment:
    """Keep a checked upload (check_attachment) with its timeline entry, under a name of our own."""
    name = upload.name[:200]
    upload.name = uploads.stored_name(content_type)  # never the client's name on disk
    return CaseEventAttachment.objects.create(event=event, file=upload, name=name, content_type=content_type, size=upload.size)


def _default_category() -> CaseCategory:
    return CaseCategory.objects.get_or_create(name=DEFAULT_CATEGORY)[0]


@transaction.atomic
def case_register(*, actor, type: str, source: str, summary: str, petitioner_name: str, village_id: str,
                  petitioner_phone: str = "", petitioner_id_number: str = "", head_count: int = 1, household=None, visit=None,
                  category: CaseCategory | None = None, repeat_of: Case | None = None, now=None, **extra) -> Case:
    """Register a case (登记): its number, and the acceptance and remit-objection limits from the day received.

    Petition offices and townships register for their villages; a cadre registers the demands of a visit.
    `repeat_of` links it at once as a repeat (重复件) of a case the registrar was shown (grievances/repeats.py).
    The same petitioner's matter already concluded after 复核 is refused (第35条) — except a visit's demand,
    which is kept, linked to that case as its repeat, so that the visit is never lost."""
    if not (actor.is_superuser or workflow.is_intake_for(actor, village_id) or (visit is not None and visit.cadre_id == actor.pk)):
        raise PermissionDenied(_("You may not register cases for this village."))
    id_hash = pii.lookup_hash(pii.normalise_id_number(petitioner_id_number)) if petitioner_id_number.strip() else ""
    if repeat_of is None:
        done = repeats.concluded(repeats.find(Case.objects.all(), village_id=village_id, summary=summary, phone=petitioner_phone,
                                              id_hash=id_hash, household_id=household.pk if household else None, now=now))
        if done and visit is None:
            raise ValidationError(REFUSED_AFTER_RE_REVIEW % {"number": done.case.number})
        repeat_of = done.case if done else None
    case = register(
        registered_by=actor, type=type, source=source, summary=summary, petitioner_name=petitioner_name, village_id=village_id,
        petitioner_phone=petitioner_phone, petitioner_id_hash=id_hash, head_count=head_count, household=household, visit=visit,
        category=category, now=now, **extra,
    )
    if repeat_of is not None:
        _link_repeat(case, repeat_of, actor, now=case.registered_at)
    return case


REFUSED_AFTER_RE_REVIEW = gettext_lazy("This matter was concluded after a re-review (复核) as %(number)s and is not accepted again (《信访工作条例》第35条).")


def register(*, registered_by: User | None, category: CaseCategory | None = None, now=None, head_count: int = 1, **fields) -> Case:
    """The registration itself, once the door checked who may register (case_register; online.case_submit with no
    one: the petitioner). Must run inside a transaction."""
    now = now or timezone.now()
    received = timezone.localtime(now).date()
    category = category or _default_category()
    objection = deadlines.add_working_days(received, category.objection_working_days)
    case = Case.objects.create(
        number=next_case_number(received.year), category=category, head_count=head_count, registered_by=registered_by, registered_at=now,
        accept_due=received + datetime.timedelta(days=category.accept_days),
        objection_due=objection.due, objection_due_provisional=objection.provisional, **fields,
    )
    record_event(case, registered_by, A.REGISTER, "", at=now, head_count=head_count)
    return case


def _link_repeat(case: Case, original: Case, actor: User | None, *, now) -> None:
    """The case joins the original as its repeat: closed at once, counted once (grievances/rates.py), on both timelines."""
    original = original.duplicate_of or original  # to an original, never to another repeat
    before = case.status
    case.duplicate_of, case.status, case.closed_at = original, Case.Status.CLOSED, now
    case.save(update_fields=["duplicate_of", "status", "closed_at"])
    record_event(case, actor, A.LINK_REPEAT, before, original.number, at=now, original=original.number)
    record_event(original, actor, A.REPEAT_RECEIVED, original.status, case.number, at=now, repeat=case.number)


@transaction.atomic
def case_link_repeat(*, actor: User, case_id: int, original_id: int, now=None) -> Case:
    """The intake office links a registered case (online, or from a visit) to the case it repeats, shown on its page."""
    now = now or timezone.now()
    case = _lock(case_id)
    if not (actor.is_superuser or workflow.is_intake(actor, case)):
        raise PermissionDenied(_("Repeats are linked by the petition office of the case."))
    if case.status != Case.Status.REGISTERED or case.duplicate_of_id:
        raise ValidationError(_("Only a case not yet accepted can be linked as a repeat."))
    original = Case.objects.visible_to(actor).filter(pk=original_id).exclude(pk=case.pk).first()
    if original is None:
        raise ValidationError(_("Choose one of the cases shown."))
    _link_repeat(case, original, actor, now=now)
    return case


def _lock(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("category").get(pk=case_id)


def _move(actor, action: str, case_id: int, *, now=None):
    """Lock the case, check the move (its status, guards and person, as of `now`); returns (case, status before, now)."""
    now = now or timezone.now()
    case = _lock(case_id)
    move = workflow.check(actor, action, case, today=timezone.localtime(now).date())
    before = case.status
    if move.target:
        case.status = move.target
    return case, before, now


@transaction.atomic
def case_accept(*, actor, case_id: int, note: str = "", now=None, attachment=None) -> Case:
    case, before, now = _move(actor, A.ACCEPT, case_id, now=now)
    case.accepted_at = case.responded_at = now
    # A review (复查/复核) is answered within its own, shorter limit.
    days = case.category.resolve_days if case.stage == Case.Stage.ORIGINAL else case.category.review_days
    case.resolve_due = timezone.localtime(now).date() + datetime.timedelta(days=days)
    case.save()
    record_event(case, actor, A.ACCEPT, before, note, resolve_due=case.resolve_due.isoformat(), at=now, attachment=attachment)
    return case


@transaction.atomic
def case_reject(*, actor, case_id: int, reason: str, now=None, attachment=None) -> Case:
    if not reason.strip():
        raise ValidationError(_("Say why the case is not accepted; the petitioner is told."))
    case, before, now = _move(actor, A.REJECT, case_id, now=now)
    case.rejection_reason = reason.strip()
    case.responded_at = now
    case.save()
    record_event(case, actor, A.REJECT, before, reason.strip(), at=now, attachment=attachment)
    return case


@transaction.atomic
def case_assign(*, actor, case_id: int, unit: Unit, leader: User, handlers=(), level: str | None = None, note: str = "", now=None,
                attachment=None) -> Case:
    """交办: a responsible unit, a 包案领导 and the unit's handlers ("一个案子、一名领导、一支队伍")."""
    case, before, now = _move(actor, A.ASSIGN, case_id, now=now)
    if not case.village_id.startswith(prefix_of(unit.region_id)):
        raise ValidationError(_("The unit must be of the village, its township or its county."))
    if not leader.is_active or not leader.has_role(Role.LEADER):
        raise ValidationError(_("%(name)s is not a responsible leader.") % {"name": leader})
    handlers = list(handlers)
    if any(h.unit_id != unit.pk or not h.has_role(Role.HANDLER) for h in handlers):
        raise ValidationError(_("Handlers must be handlers of the responsible unit."))
    case.unit, case.leader = unit, leader
    if level:
        case.level = level
    case.save()
    case.handlers.set(handlers)
    record_event(case, actor, A.ASSIGN, before, note, unit=unit.name, leader=leader.real_name, handlers=[h.real_name for h in handlers], level=case.level, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_start(*, actor, case_id: int, note: str = "", now=None, attachment=None) -> Case:
    case, before, now = _move(actor, A.START, case_id, now=now)
    case.save()
    record_event(case, actor, A.START, before, note, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_resolve(*, actor, case_id: int, outcome: str, reply: str, now=None, attachment=None) -> Case:
    """办结: one of the five outcomes (seed 002) and the reply the petitioner gets."""
    if outcome not in Case.Outcome.values or not reply.strip():
        raise ValidationError(_("Choose an outcome and write the reply to the petitioner."))
    case, before, now = _move(actor, A.RESOLVE, case_id, now=now)
    case.outcome, case.reply, case.resolved_at = outcome, reply.strip(), now
    case.callback_due = timezone.localtime(now).date() + datetime.timedelta(days=case.category.callback_days)  # if not rated by then
    case.save()
    record_event(case, actor, A.RESOLVE, before, reply.strip(), outcome=outcome, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_evaluate(*, actor, case_id: int, satisfaction: str, note: str = "", callback: bool = False, now=None, attachment=None) -> Case:
    """评价: the petitioner's rating, or the result of the 回访 call when they gave none in time."""
    if satisfaction not in Case.Satisfaction.values:
        raise ValidationError(_("Choose the petitioner's rating."))
    case, before, now = _move(actor, A.EVALUATE, case_id, now=now)
    case.satisfaction, case.evaluated_at = satisfaction, now
    case.save()
    record_event(case, actor, A.EVALUATE, before, note, satisfaction=satisfaction, callback=callback, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_close(*, actor, case_id: int, note: str = "", now=None, attachment=None) -> Case:
    case, before, now = _move(actor, A.CLOSE, case_id, now=now)
    case.closed_at = now
    case.save()
    record_event(case, actor, A.CLOSE, before, note, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_reopen(*, actor, case_id: int, note: str, now=None, attachment=None) -> Case:
    if not note.strip():
        raise ValidationError(_("Say why the case is reopened."))
    case, before, now = _move(actor, A.REOPEN, case_id, now=now)
    case.outcome, case.reply, case.satisfaction, case.resolved_at, case.evaluated_at = "", "", "", None, None
    # The resolution clock starts again from today; the one extension, if used, stays used.
    case.resolve_due = timezone.localtime(now).date() + datetime.timedelta(days=case.category.resolve_days)
    case.save()
    record_event(case, actor, A.REOPEN, before, note.strip(), at=now, attachment=attachment, resolve_due=case.resolve_due.isoformat())
    return case


def _check_extension(case: Case, days: int, reason: str) -> None:
    # Once only and not when overdue: the move's guards (workflow.py), so the page offers no such button.
    if not 1 <= days <= case.category.max_extension_days:
        raise ValidationError(_("An extension is 1 to %(max)s days.") % {"max": case.category.max_extension_days})
    if not reason.strip():
        raise ValidationError(_("Give the reason for the extension; the petitioner is told."))


@transaction.atomic
def case_request_extension(*, actor, case_id: int, days: int, reason: str, now=None, attachment=None) -> Case:
    """The unit asks the 包案领导 for more time (第34条); the leader approves with `case_extend`."""
    case, before, now = _move(actor, A.REQUEST_EXTENSION, case_id, now=now)
    _check_extension(case, days, reason)
    case.extension_requested_days, case.extension_reason = days, reason.strip()
    case.save()
    record_event(case, actor, A.REQUEST_EXTENSION, before, reason.strip(), days=days, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_extend(*, actor, case_id: int, days: int, reason: str, now=None, attachment=None) -> Case:
    """延期: once, at most the category's limit (30 days), approved by the 包案领导; the petitioner is told why."""
    case, before, now = _move(actor, A.EXTEND, case_id, now=now)
    _check_extension(case, days, reason)
    case.extension_days, case.extension_reason, case.extension_requested_days = days, reason.strip(), 0
    case.resolve_due += datetime.timedelta(days=days)
    case.save()
    record_event(case, actor, A.EXTEND, before, reason.strip(), days=days, resolve_due=case.resolve_due.isoformat(), at=now, attachment=attachment)
    return case


@transaction.atomic
def case_escalate(*, actor, case_id: int, note: str = "", now=None, attachment=None) -> Case:
    """Up one level: 小事不出村、大事不出乡、难事不出县."""
    case, before, now = _move(actor, A.ESCALATE, case_id, now=now)  # a county case is refused by its guard
    old, case.level = case.level, LEVEL_UP[case.level]
    case.save()
    record_event(case, actor, A.ESCALATE, before, note, level=[old, case.level], at=now, attachment=attachment)
    return case


@transaction.atomic
def case_transfer(*, actor, case_id: int, unit: Unit, note: str, now=None, attachment=None) -> Case:
    """Ask another unit to take the case; the first unit stays accountable until it accepts (首接负责)."""
    case, before, now = _move(actor, A.TRANSFER, case_id, now=now)  # one waiting transfer at a time: its guard
    if unit.pk == case.unit_id or not case.village_id.startswith(prefix_of(unit.region_id)):
        raise ValidationError(_("Choose another unit of the village, its township or its county."))
    case.pending_unit = unit
    case.save()
    record_event(case, actor, A.TRANSFER, before, note, to_unit=unit.name, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_accept_transfer(*, actor, case_id: int, note: str = "", now=None, attachment=None) -> Case:
    case, before, now = _move(actor, A.ACCEPT_TRANSFER, case_id, now=now)
    old = case.unit.name if case.unit else ""
    old_handlers = [h.real_name for h in case.handlers.all()]
    case.unit, case.pending_unit = case.pending_unit, None
    case.save()
    case.handlers.set([actor])
    record_event(case, actor, A.ACCEPT_TRANSFER, before, note, at=now, attachment=attachment, unit=[old, case.unit.name],
            handlers=[old_handlers, [actor.real_name]])
    return case


@transaction.atomic
def case_request_review(*, actor, case_id: int, note: str = "", now=None) -> Case:
    """复查/复核: a linked case with its own clock, requested within the limit after the reply; none after 复核.
    Registered by the petition office, or asked for by the petitioner on the lookup page (actor None): then it is
    registered in the name of whoever registered the case (no one for a case submitted online)."""
    now = now or timezone.now()
    case = _lock(case_id)
    if actor is not None and not workflow.is_intake(actor, case) and not actor.is_superuser:
        raise PermissionDenied(_("Reviews are registered by the petition office."))
    if case.stage not in NEXT_STAGE:
        raise ValidationError(_("After a re-review (复核) the same matter is not accepted again."))
    if case.status not in Case.RESOLVED_STATUSES or case.resolved_at is None:
        raise ValidationError(_("A review can be requested only after the reply."))
    if case.reviews.exists():
        raise ValidationError(_("A review of this case was already requested."))
    deadline = timezone.localtime(case.resolved_at).date() + datetime.timedelta(days=case.category.review_days)
    if timezone.localtime(now).date() > deadline:
        raise ValidationError(_("The time to request a review ended on %(date)s.") % {"date": deadline})
    review = register(
        registered_by=actor or case.registered_by, type=case.type, source=case.source, summary=case.summary,
        petitioner_name=case.petitioner_name, village_id=case.village_id, petitioner_phone=case.petitioner_phone,
        petitioner_id_hash=case.petitioner_id_hash, head_count=case.head_count, household=case.household, category=case.category,
        now=now, parent=case, stage=NEXT_STAGE[case.stage],
    )
    record_event(case, actor, A.REQUEST_REVIEW, case.status, note, at=now, review=review.number)
    return review


@transaction.atomic
def case_supervise(*, actor, case_id: int, note: str = "", now=None, attachment=None) -> Case:
    """挂牌督办 (第39条): a supervisor of the jurisdiction puts the case under their watch."""
    case, before, now = _move(actor, A.SUPERVISE, case_id, now=now)
    case.supervised, case.supervising_leader = True, actor
    case.save()
    record_event(case, actor, A.SUPERVISE, before, note, at=now, attachment=attachment)
    return case


@transaction.atomic
def case_mediate(*, actor, case_id: int, kind: str, held_on: datetime.date, mediator: str, result: str, agreement: str = "", now=None, attachment=None) -> MediationSession:
    """A mediation session on a dispute, by the responsible unit."""
    case, before, now = _move(actor, A.MEDIATE, case_id, now=now)  # disputes only: the move's types
    if held_on > timezone.localtime(now).date():
        raise ValidationError(_("A mediation session is recorded after it is held."))
    session = MediationSession.objects.create(
        case=case, kind=kind, held_on=held_on, mediator=mediator.strip(), result=result, agreement=agreement.strip(),
        recorded_by=actor, recorded_at=now,
    )
    case.was_mediated = True
    case.mediation_agreed = case.mediation_agreed or result == MediationSession.Result.AGREED
    case.save(update_fields=["was_mediated", "mediation_agreed"])
    record_event(case, actor, A.MEDIATE, before, agreement.strip(), kind=kind, result=result, mediator=mediator.strip(), at=now, attachment=attachment)
    return session


MOVE_SERVICES = {
    A.ACCEPT: case_accept, A.REJECT: case_reject, A.ASSIGN: case_assign, A.START: case_start, A.RESOLVE: case_resolve,
    A.EVALUATE: case_evaluate, A.CLOSE: case_close, A.REOPEN: case_reopen, A.EXTEND: case_extend,
    A.REQUEST_EXTENSION: case_request_extension, A.SUPERVISE: case_supervise, A.MEDIATE: case_mediate,
    A.ESCALATE: case_escalate, A.TRANSFER: case_transfer, A.ACCEPT_TRANSFER: case_accept_transfer,
}


@transaction.atomic
def case_callback(*, actor, case_id: int, reached: bool, note: str, satisfaction: str = "", now=None) -> Case:
    """回访: the petition office calls the petitioner back. Whether they were reached and what they said is a timeline
    event; a rating they gave on the call is recorded as one (case_evaluate, callback=True) while the case awaits one."""
    now = now or timezone.now()
    case = _lock(case_id)
    if not (actor.is_superuser or workflow.is_intake(actor, case)):
        raise PermissionDenied(_("Call-backs are made by the petition office of the case."))
    if case.status not in Case.RESOLVED_STATUSES:
        raise ValidationError(_("A call-back follows the answer."))
    if not note.strip():
        raise ValidationError(_("Say how the call went."))
    if satisfaction and not reached:
        raise ValidationError(_("A rating can be recorded only when the petitioner was reached."))
    record_event(case, actor, A.CALLBACK, case.status, note.strip(), at=now, reached=reached, satisfaction=satisfaction)
    if satisfaction and case.status == Case.Status.RESOLVED:
        return case_evaluate(actor=actor, case_id=case.pk, satisfaction=satisfaction, note=note.strip(), callback=True, now=now)
    return case
