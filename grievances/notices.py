"""Texts to the petitioner (models.PetitionerNotice): planned with the move of the timeline that owes one, sent by
the dispatcher (reminders.deliver) through the configured SMS provider, once, with retries and a record."""

import datetime

from django.conf import settings
from django.urls import reverse

from . import sms
from .models import Case, CaseEvent, Delivery, PetitionerNotice, SmsQuietHours, SmsTemplate

A, Kind = CaseEvent.Action, PetitionerNotice.Kind
KINDS = {A.REGISTER: Kind.REGISTERED, A.ACCEPT: Kind.ACCEPTED, A.REJECT: Kind.NOT_ACCEPTED, A.ACCEPT_TRANSFER: Kind.TRANSFERRED,
         A.EXTEND: Kind.EXTENDED, A.RESOLVE: Kind.ANSWERED}


def notice_plan(case: Case, event: CaseEvent, *, now: datetime.datetime) -> PetitionerNotice | None:
    """The notice this event owes the petitioner, if any and if the case has their phone; its text goes out when a
    template for it is configured for the provider (after the quiet hours, as staff texts do)."""
    kind = KINDS.get(event.action)
    if kind is None or not case.petitioner_phone:
        return None
    notice = PetitionerNotice.objects.create(case=case, event=event, kind=kind, created_at=now)
    if SmsTemplate.for_purpose(kind) is not None:
        Delivery.objects.create(notice=notice, channel=Delivery.Channel.SMS, next_attempt_at=SmsQuietHours.current().send_at(now))
    return notice


def lookup_link(case: Case) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('lookup')}?number={case.number}"


def values(notice: PetitionerNotice) -> dict[str, str]:
    """What a notice's template fills in (SmsTemplate.PARAMETERS)."""
    case = notice.case
    reason = case.rejection_reason if notice.kind == Kind.NOT_ACCEPTED else case.extension_reason
    return {"number": case.number, "link": lookup_link(case), "due": case.resolve_due.isoformat() if case.resolve_due else "",
            "reason": reason, "unit": case.unit.name if case.unit else ""}


def send(notice: PetitionerNotice) -> None:
    sms.send_for(notice.kind, notice.case.petitioner_phone, values(notice))
