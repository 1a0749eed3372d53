"""What the petitioner does themself on the public lookup page (《信访工作条例》第21条: query and 评价 the outcome):
rate an answered case once, proven by the lookup credentials and a one-time code texted to the phone on the case,
and after 不满意 ask for the 复查 the law gives. The view (views.lookup) checks the credentials first, with its waits.
"""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services, sms
from .models import Case, CaseEvent, LookupCode, SmsTemplate

CODE_MINUTES = 10  # a code lasts ten minutes and five wrong tries (OneTimeCode.TRIES)
CODE_EVERY_SECONDS, CODES_A_DAY = 60, 5  # a new code at most once a minute and five times a day, for a case


def _hash(case: Case, code: str) -> str:
    return hmac.new(settings.PII_HASH_KEY.encode(), f"{case.pk}:{code}".encode(), hashlib.sha256).hexdigest()


def can_rate(case: Case) -> bool:
    """Answered (办结) and not yet rated, by anyone."""
    return case.status == Case.Status.RESOLVED and not case.satisfaction


def has_live_code(case: Case, now=None) -> bool:
    """A code was texted and may still be used: the page asks for it with the rating."""
    return LookupCode.objects.filter(case=case, used_at=None, expires_at__gt=now or timezone.now(), attempts__lt=LookupCode.TRIES).exists()


def review_deadline(case: Case) -> datetime.date | None:
    """The last day to ask for a review (复查) of the reply, or None when none can be asked any more."""
    if case.resolved_at is None or case.stage == Case.Stage.RE_REVIEW or case.reviews.exists():
        return None
    return timezone.localtime(case.resolved_at).date() + datetime.timedelta(days=case.category.review_days)


def rating_code_send(*, case: Case, now=None) -> None:
    """Text a new one-time code to the phone on the case; refused when a rating is not due or codes come too often."""
    now = now or timezone.now()
    if not can_rate(case):
        raise ValidationError(_("This case cannot be rated now."))
    template = SmsTemplate.for_purpose(SmsTemplate.Purpose.CODE)
    if template is None:
        raise ValidationError(_("Codes cannot be sent at the moment. Please call the petition office to give your rating."))
    recent = LookupCode.objects.filter(case=case, created_at__gte=now - datetime.timedelta(days=1))
    if recent.filter(created_at__gte=now - datetime.timedelta(seconds=CODE_EVERY_SECONDS)).exists():
        raise ValidationError(_("A code was sent less than a minute ago. Please wait for it, or try again in a minute."))
    if recent.count() >= CODES_A_DAY:
        raise ValidationError(_("Too many codes today. Please try again tomorrow."))
    code = f"{secrets.randbelow(10**6):06d}"
    LookupCode.objects.create(case=case, code_hash=_hash(case, code), created_at=now, expires_at=now + datetime.timedelta(minutes=CODE_MINUTES))
    try:
        sms.send(case.petitioner_phone, template, {"code": code})
    except sms.SmsError as error:
        raise ValidationError(_("The code could not be sent. Please try again later.")) from error


def case_self_evaluate(*, case_id: int, code: str, satisfaction: str, comment: str = "", now=None) -> Case:
    """The petitioner's own rating: once, with the latest code, while the case awaits one. A wrong code counts
    against the code's tries (kept, though the rating is refused)."""
    now = now or timezone.now()
    if satisfaction not in Case.Satisfaction.values:
        raise ValidationError(_("Choose satisfied, fairly satisfied or dissatisfied."))
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
        if not can_rate(case):
            raise ValidationError(_("This case cannot be rated now."))
        latest = LookupCode.objects.select_for_update().filter(case=case).order_by("-created_at", "-pk").first()
        if latest is None or not latest.usable(now):
            raise ValidationError(_("The code has expired. Ask for a new one."))
        right = hmac.compare_digest(latest.code_hash, _hash(case, code.strip()))
        if right:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            _rated(case, satisfaction, comment, now)
        else:
            LookupCode.objects.filter(pk=latest.pk).update(attempts=latest.attempts + 1)
    if not right:
        raise ValidationError(_("The code is not right."))
    return case


def _rated(case: Case, satisfaction: str, comment: str, now) -> None:
    before = case.status
    case.satisfaction, case.evaluated_at, case.rated_by_petitioner, case.status = satisfaction, now, True, Case.Status.EVALUATED
    case.save()
    services.record_event(case, None, CaseEvent.Action.EVALUATE, before, comment.strip()[:500], at=now, satisfaction=satisfaction, by_petitioner=True)
