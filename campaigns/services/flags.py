"""Flags on numbers that look fabricated: recording what the rules find (campaigns/flags.py), once per rule
and record, and the review — a supervisor's 属实 or 已排除, a cadre's 说明 — each in the audit trail.

After each write of a visit, check-in or rating the records are checked by Celery (`flags_enqueue`, on
commit); cases, whose app sits below this one, are checked by the sweep of recent changes that beat runs
every few minutes (`flags_check_recent`); and a nightly pass looks again at everything recent.
"""

import datetime
import logging

from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from accounts import audit
from accounts.models import User
from accounts.scoping import within_jurisdiction
from grievances.models import Case, CaseEvent

from .. import flags as rules
from ..models import Campaign, CheckIn, Evaluation, Flag, Visit

log = logging.getLogger(__name__)

CHECK_TASK = "campaigns.tasks.check_flags"  # by name: tasks import services, not the other way round
RECENT = datetime.timedelta(days=2)  # the nightly pass: what changed since the day before yesterday
CASES_RECENT = datetime.timedelta(minutes=15)  # the case sweep runs every few minutes: a margin for a late run


def flags_enqueue(*, visits=(), check_ins=(), evaluations=()) -> None:
    """Once the write is committed, have the rules check these records; a broker that cannot be reached costs
    a warning, not the write: the nightly pass checks them."""
    ids = {"visits": list(visits), "check_ins": list(check_ins), "evaluations": list(evaluations)}

    def send():
        try:
            current_app.send_task(CHECK_TASK, kwargs=ids, ignore_result=True)
        except OperationalError as error:
            log.warning("could not queue the flag check of %s (%s): the nightly pass will check them", ids, error)

    transaction.on_commit(send, robust=True)


def _record(finding: rules.Finding) -> bool:
    """A finding becomes a flag once: the same rule and key later only adds records to it while it is open."""
    defaults = {"severity": finding.severity, "evidence": finding.evidence, "village_id": finding.village_id, "campaign_id": finding.campaign_id,
                "cadre_id": finding.cadre_id, "case_id": finding.case_id}
    try:
        with transaction.atomic():
            flag, created = Flag.objects.get_or_create(rule=finding.rule, key=finding.key, defaults=defaults)
    except IntegrityError:  # the same finding, recorded meanwhile by another worker
        flag, created = Flag.objects.get(rule=finding.rule, key=finding.key), False
    if not created and flag.state != Flag.State.OPEN:
        return False
    if not created and flag.evidence != finding.evidence:
        Flag.objects.filter(pk=flag.pk).update(evidence=finding.evidence, severity=max(flag.severity, finding.severity))
    flag.visits.add(*finding.visits)
    flag.check_ins.add(*finding.check_ins)
    flag.evaluations.add(*finding.evaluations)
    return created


def flags_check(look: rules.Look) -> int:
    """Run every rule over what `look` holds; the number of new flags."""
    return sum(_record(finding) for finding in rules.findings(look))


def flags_check_records(*, visits=(), check_ins=(), evaluations=(), cases=(), today=None) -> int:
    """After a write: the rules over these records (and, for a cadre's day, the rest of that day)."""
    def those(model, ids):
        ids = list(ids)
        return model.objects.filter(pk__in=ids) if ids else model.objects.none()

    return flags_check(rules.Look(visits=those(Visit, visits), check_ins=those(CheckIn, check_ins), evaluations=those(Evaluation, evaluations),
                                  cases=those(Case, cases), today=today or timezone.localdate()))


def _cases_moved_since(moment):
    return Case.objects.filter(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), at__gte=moment)))


def flags_check_recent_cases(*, now=None) -> int:
    """Beat, every few minutes: the case rules over cases changed lately."""
    now = now or timezone.now()
    none = Visit.objects.none()
    return flags_check(rules.Look(visits=none, check_ins=CheckIn.objects.none(), evaluations=Evaluation.objects.none(),
                                  cases=_cases_moved_since(now - CASES_RECENT), today=timezone.localdate(now)))


def flags_check_all(*, now=None) -> int:
    """The nightly pass: every rule over what changed in the last two days, and the campaigns that ended in the
    last week (most visits on the last day); what the checks after each write missed (a broker down) is found here."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = now - RECENT
    return flags_check(rules.Look(
        visits=Visit.objects.filter(updated_at__gte=since), check_ins=CheckIn.objects.filter(checked_at__gte=since),
        evaluations=Evaluation.objects.filter(created_at__gte=since), cases=_cases_moved_since(since), today=today,
        campaigns_ended=Campaign.objects.filter(end_date__lt=today, end_date__gte=today - datetime.timedelta(days=7)),
    ))


def can_review(user: User, flag: Flag) -> bool:
    """Supervisors of the flag's jurisdiction, never about themselves."""
    return (user.has_perm("campaigns.review_flag") and flag.cadre_id != user.pk
            and (user.is_superuser or within_jurisdiction(user, flag.village_id)))


@transaction.atomic
def flag_review(*, actor: User, flag_id: int, verdict: str, note: str, now=None) -> Flag:
    """属实 (confirmed) or 已排除 (dismissed), with a note; a reviewed flag may be reviewed again (a second look)."""
    flag = Flag.objects.select_for_update().get(pk=flag_id)
    if not can_review(actor, flag):
        raise PermissionDenied(_("Only a supervisor of the jurisdiction may review this flag, and never one about themselves."))
    if verdict not in (Flag.State.CONFIRMED, Flag.State.DISMISSED):
        raise ValidationError(_("Choose confirmed or dismissed."))
    if not note.strip():
        raise ValidationError(_("Say what the review found."))
    before = flag.state
    flag.state, flag.review_note, flag.reviewed_by, flag.reviewed_at = verdict, note.strip(), actor, now or timezone.now()
    flag.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at"])
    audit.record(audit.Action.FLAG, actor=actor, obj=flag, summary=f"{flag.rule} {flag.key}: {before} → {verdict}", note=flag.review_note)
    return flag


@transaction.atomic
def flag_explain(*, actor: User, flag_id: int, explanation: str, now=None) -> Flag:
    """The cadre's 说明 on a flag about them, while it is under review."""
    flag = Flag.objects.select_for_update().get(pk=flag_id)
    if flag.cadre_id != actor.pk:
        raise PermissionDenied(_("Only the cadre the flag is about may explain it."))
    if flag.state != Flag.State.OPEN:
        raise ValidationError(_("This flag has been reviewed already."))
    if not explanation.strip():
        raise ValidationError(_("Write the explanation."))
    flag.explanation, flag.explained_at = explanation.strip(), now or timezone.now()
    flag.save(update_fields=["explanation", "explained_at"])
    audit.record(audit.Action.FLAG, actor=actor, obj=flag, summary=f"{flag.rule} {flag.key}: explained")
    return flag
