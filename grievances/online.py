"""Online submission (网上信访, 民生诉求): a petitioner with no account submits a matter on the public form, proving
the phone with a one-time code texted to it. The case lands as 登记 with source 网上 in the intake list of the
village's petition office (registered by no one: the petitioner), and its number goes out by text (notices.py).

Limits, so that the form cannot be used to flood an office or someone's phone: a code at most once a minute and
five times a day for a phone, twenty codes an hour from one address; three submissions a day for a phone and
ten from one address (the views say so in Chinese). A 复核-concluded matter of the same phone is refused.
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

from accounts.models import Region
from core import pii, ratelimit, uploads

from . import repeats, services, sms
from .models import Case, SmsTemplate, SubmissionCode

CODE_MINUTES = 10  # and five wrong tries (OneTimeCode.TRIES)
CODE_EVERY_SECONDS, CODES_A_DAY = 60, 5  # for one phone
CODES_AN_HOUR_FROM_AN_ADDRESS = 20
SUBMISSIONS_A_DAY, SUBMISSIONS_A_DAY_FROM_AN_ADDRESS = 3, 10
MAX_PHOTOS, MAX_PHOTO_BYTES = 3, 5 * 1024 * 1024
TYPES = (Case.Type.LIVELIHOOD, Case.Type.PETITION)


class TooOften(ValidationError):
    """A limit on codes or submissions was reached: the page answers 429."""


def _code_hash(phone: str, code: str) -> str:
    return hmac.new(settings.PII_HASH_KEY.encode(), f"online:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def submission_code_send(*, phone: str, address: str, now=None) -> None:
    """Text a one-time code to the phone that submits; refused when codes come too often for it or its address."""
    now = now or timezone.now()
    template = SmsTemplate.for_purpose(SmsTemplate.Purpose.CODE)
    if template is None:
        raise ValidationError(_("Codes cannot be sent at the moment. Please call or visit the petition office."))
    recent = SubmissionCode.objects.filter(phone_hash=pii.lookup_hash(phone), created_at__gte=now - datetime.timedelta(days=1))
    if recent.filter(created_at__gte=now - datetime.timedelta(seconds=CODE_EVERY_SECONDS)).exists():
        raise TooOften(_("A code was sent less than a minute ago. Please wait for it, or try again in a minute."))
    if recent.count() >= CODES_A_DAY:
        raise TooOften(_("Too many codes today. Please try again tomorrow."))
    if not ratelimit.allow("online-code", address, limit=CODES_AN_HOUR_FROM_AN_ADDRESS, window_seconds=3600):
        raise TooOften(_("Too many codes from this network in the last hour. Please try again later."))
    code = f"{secrets.randbelow(10**6):06d}"
    SubmissionCode.objects.create(phone_hash=pii.lookup_hash(phone), code_hash=_code_hash(phone, code), created_at=now,
                                  expires_at=now + datetime.timedelta(minutes=CODE_MINUTES))
    try:
        sms.send(phone, template, {"code": code})
    except sms.SmsError as error:
        raise ValidationError(_("The code could not be sent. Please try again later.")) from error


def _latest_code(phone: str, now) -> SubmissionCode:
    """The phone's latest code, locked, while it may still be used."""
    latest = SubmissionCode.objects.select_for_update().filter(phone_hash=pii.lookup_hash(phone)).order_by("-created_at", "-pk").first()
    if latest is None or not latest.usable(now):
        raise ValidationError(_("The code has expired. Ask for a new one."))
    return latest


def check_photos(photos) -> list[str]:
    """The photos' types (JPEG or PNG, read from their bytes), at most three of 5 MB each."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("At most %(count)s photos.") % {"count": MAX_PHOTOS})
    types = []
    for photo in photos:
        content_type = uploads.sniffed_type(photo, uploads.PHOTOS)
        if content_type is None:
            raise ValidationError(_("%(name)s is not a JPEG or PNG photo.") % {"name": photo.name})
        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationError(_("%(name)s is larger than 5 MB.") % {"name": photo.name})
        types.append(content_type)
    return types


def _check_allowed(*, phone: str, village_id: str, summary: str, address: str, now) -> None:
    """Refused: a fourth matter today from the phone, an eleventh from the address, or a matter of the phone's that a
    复核 concluded (第35条)."""
    today = Case.objects.filter(source=Case.Source.ONLINE, petitioner_phone=phone, registered_at__gte=now - datetime.timedelta(days=1))
    if today.count() >= SUBMISSIONS_A_DAY:
        raise TooOften(_("This phone has submitted %(count)s matters today. Please wait until tomorrow, or call the petition office.")
                       % {"count": SUBMISSIONS_A_DAY})
    if not ratelimit.allow("online-submit", address, limit=SUBMISSIONS_A_DAY_FROM_AN_ADDRESS, window_seconds=24 * 3600):
        raise TooOften(_("Too many matters submitted from this network today. Please try again tomorrow."))
    done = repeats.concluded(repeats.find(Case.objects.all(), village_id=village_id, summary=summary, phone=phone, now=now))
    if done:
        raise ValidationError(services.REFUSED_AFTER_RE_REVIEW % {"number": done.case.number})


def case_submit(*, type: str, petitioner_name: str, phone: str, code: str, village_id: str, summary: str, photos=(),
                address: str, now=None) -> Case:
    """The petitioner's own submission, with the code texted to their phone: a registered case (source 网上)."""
    now = now or timezone.now()
    if type not in TYPES:
        raise ValidationError(_("Choose what kind of matter it is."))
    if not Region.objects.villages().filter(code=village_id).exists():
        raise ValidationError(_("Choose your village from the list."))
    photo_types = check_photos(list(photos))
    with transaction.atomic():
        latest = _latest_code(phone, now)
        right = hmac.compare_digest(latest.code_hash, _code_hash(phone, code.strip()))
        if not right:  # the wrong try is counted (committed), and nothing else is saved or said
            SubmissionCode.objects.filter(pk=latest.pk).update(attempts=latest.attempts + 1)
        else:  # only whoever holds the phone learns what its earlier matters make of this one
            _check_allowed(phone=phone, village_id=village_id, summary=summary, address=address, now=now)
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            case = services.register(
                registered_by=None, type=type, source=Case.Source.ONLINE, summary=summary.strip(), petitioner_name=petitioner_name.strip(),
                petitioner_phone=phone, village_id=village_id, now=now,
            )
            event = case.events.get()
            for photo, content_type in zip(photos, photo_types, strict=True):
                services.attach(event, photo, content_type)
    if not right:
        raise ValidationError(_("The code is not right."))
    return case
