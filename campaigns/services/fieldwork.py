"""What cadres write in the village: check-ins, households, visits with their demands and photos."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import User
from accounts.scoping import within_jurisdiction
from core import minhash, pii, uploads
from core.ratelimit import allow
from grievances.models import Case
from grievances.services import case_register

from ..models import (
    PHONE_EDITABLE_FIELDS,
    Assignment,
    Campaign,
    CheckIn,
    Evaluation,
    Household,
    HouseholdEdit,
    Pairing,
    PersonalDataView,
    RatingCard,
    TargetVillage,
    Visit,
    VisitPhoto,
    VisitRevision,
)
from ..models.fieldwork import LATE_DAYS_ALLOWED
from .flags import flags_enqueue

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 3
# pairing_progress is not editable: it was appended to the pairing when the visit was recorded.
EDITABLE_FIELDS = ["kinds", "ate_together", "stayed_overnight", "laboured_together", "diary", "deed", "deed_value"]


def assignment_on(cadre: User, day: datetime.date) -> Assignment | None:
    """The cadre's assignment in an active campaign on that day."""
    return Assignment.objects.posted(cadre, day).select_related("target_village__village", "target_village__campaign").first()


PHONE_CLOCK_AHEAD = datetime.timedelta(minutes=10)  # a phone's clock a little fast is not a lie


def entered_on(phone_recorded_at: datetime.datetime | None, now: datetime.datetime) -> datetime.date:
    """The day an entry was made: the phone's, for one it kept without signal and sends later, else today.

    The late-entry rule counts from that day, so a phone's time in the future, or older than the rule allows,
    is refused with the reason (the outbox shows it)."""
    today = timezone.localtime(now).date()
    if phone_recorded_at is None:
        return today
    if phone_recorded_at > now + PHONE_CLOCK_AHEAD:
        raise ValidationError(_("The phone says this was entered at %(time)s, which is later than now. Check the phone's date and time.")
                              % {"time": timezone.localtime(phone_recorded_at).strftime("%Y-%m-%d %H:%M")})
    day = timezone.localtime(phone_recorded_at).date()
    if day < today - datetime.timedelta(days=LATE_DAYS_ALLOWED):
        raise ValidationError(_("Entered on the phone on %(day)s: more than %(days)s days ago, too late to upload.")
                              % {"day": day.isoformat(), "days": LATE_DAYS_ALLOWED})
    return day


@transaction.atomic
def check_in(*, cadre: User, latitude=None, longitude=None, accuracy=None, phone_recorded_at=None, now=None) -> tuple[CheckIn, bool]:
    """One tap: the day's check-in at the assigned village; a second tap (or a resend) changes nothing.

    The day is the phone's when it kept the check-in without signal (`phone_recorded_at`)."""
    now = now or timezone.now()
    day = entered_on(phone_recorded_at, now)
    assignment = assignment_on(cadre, day)
    if assignment is None:
        raise ValidationError(_("You have no village assignment today, so there is nowhere to check in."))
    check, created = CheckIn.objects.get_or_create(
        cadre=cadre, day=day,
        defaults={"assignment": assignment, "checked_at": now, "phone_recorded_at": phone_recorded_at,
                  "latitude": latitude, "longitude": longitude, "accuracy_m": accuracy},
    )
    if created:
        flags_enqueue(check_ins=[check.pk])
    return check, created


def can_edit_households(actor: User, village_code: str, today: datetime.date | None = None) -> bool:
    """Administrators of the jurisdiction, and cadres assigned to the village today."""
    if actor.is_superuser or (actor.has_perm("campaigns.change_household") and within_jurisdiction(actor, village_code)):
        return True
    assignment = assignment_on(actor, today or timezone.localdate())
    return assignment is not None and assignment.target_village.village_id == village_code


ID_CHECKS_PER_HOUR = 20  # household saves carrying an ID number, per person: a cadre adds a few a day, not hundreds


def household_save(*, actor: User, village_code: str, data: dict, household_id: int | None = None, base_version: int | None = None,
                   client_id=None, phone_recorded_at=None) -> Household:
    """Create or edit a household; a new ID number is encrypted and must not belong to another household of the village.

    `base_version`: the household's version the form was shown with; an edit of an older one is refused
    (someone saved the household meanwhile) rather than overwriting their change. `client_id`: the form's
    id, recorded with the edit (HouseholdEdit), so that the phone's outbox sending it again changes nothing.

    The number is compared with the village's households only: an answer about other villages would tell
    whoever types candidate numbers which one is a real person's (the masked number hides only the birth
    date). A number also registered in another village is saved all the same and recorded for an
    administrator to merge. Checks are limited per person, and every duplicate found is in the audit trail.
    """
    if client_id and (done := _edit_done(actor, client_id)):
        return done.household
    if not can_edit_households(actor, village_code):
        raise PermissionDenied(_("You may not edit households of this village."))
    id_number = pii.normalise_id_number(data.get("id_number", ""))
    if id_number:
        _check_id_number(actor, village_code, id_number, household_id, number=str(data.get("number", "")))
    with transaction.atomic():
        household = _household_write(actor=actor, village_code=village_code, data=data, household_id=household_id, id_number=id_number,
                                     base_version=base_version)
        if client_id:
            HouseholdEdit.objects.create(
                client_id=client_id, household=household, actor=actor, base_version=base_version or 0, state=HouseholdEdit.State.APPLIED,
                phone_values={name: _plain(data[name]) for name in PHONE_EDITABLE_FIELDS if name in data}, phone_recorded_at=phone_recorded_at,
            )
    return household


def _edit_done(actor: User, client_id) -> HouseholdEdit | None:
    done = HouseholdEdit.objects.filter(client_id=client_id).select_related("household").first()
    if done and done.actor_id != actor.pk:
        raise PermissionDenied
    return done


def _plain(value):
    """A household field's value as JSON keeps it (and as a conflict compares it)."""
    return list(value) if isinstance(value, (list, tuple)) else value


def household_sync(*, actor: User, household: Household, data: dict, base_version: int, client_id, phone_recorded_at=None) -> HouseholdEdit:
    """An edit of a household the phone kept without signal (static/js/outbox.js), once per client id.

    Made on the version the server still has: saved. The household changed on the server since: where the
    phone and the server now disagree, both values are kept for the cadre to choose (a conflict) and
    nothing is overwritten; where they agree, there is nothing to do. The ID number and phone never come
    this way (a phone does not keep them)."""
    if done := _edit_done(actor, client_id):
        return done
    if not can_edit_households(actor, household.village_id):
        raise PermissionDenied(_("You may not edit households of this village."))
    values = {name: _plain(data[name]) for name in PHONE_EDITABLE_FIELDS if name in data}
    with transaction.atomic():
        current = Household.objects.select_for_update().get(pk=household.pk)
        if base_version == current.version:
            household_save(actor=actor, village_code=current.village_id, data=values, household_id=current.pk, base_version=base_version,
                           client_id=client_id, phone_recorded_at=phone_recorded_at)
            return HouseholdEdit.objects.get(client_id=client_id)
        differing = {name: value for name, value in values.items() if _plain(getattr(current, name)) != value}
        return HouseholdEdit.objects.create(
            client_id=client_id, household=current, actor=actor, base_version=base_version, phone_values=differing,
            server_values={name: _plain(getattr(current, name)) for name in differing}, phone_recorded_at=phone_recorded_at,
            state=HouseholdEdit.State.CONFLICT if differing else HouseholdEdit.State.APPLIED,
        )


@transaction.atomic
def household_conflict_resolve(*, actor: User, edit: HouseholdEdit, keep_phone: set[str], now=None) -> Household:
    """The cadre's choice for a conflict: the phone's value for the fields in `keep_phone`, the server's for the rest."""
    edit = HouseholdEdit.objects.select_for_update().select_related("household").get(pk=edit.pk)
    if edit.actor_id != actor.pk:
        raise PermissionDenied(_("Only the cadre who made the edit chooses."))
    if edit.state != HouseholdEdit.State.CONFLICT:
        raise ValidationError(_("This choice has already been made."))
    if not can_edit_households(actor, edit.household.village_id):
        raise PermissionDenied(_("You may not edit households of this village."))
    chosen = {name: value for name, value in edit.phone_values.items() if name in keep_phone}
    household = edit.household
    if chosen:
        household = _household_write(actor=actor, village_code=household.village_id, data=chosen, household_id=household.pk, id_number="")
    edit.state, edit.resolved_at = HouseholdEdit.State.RESOLVED, now or timezone.now()
    edit.save(update_fields=["state", "resolved_at"])
    return household


def _check_id_number(actor: User, village_code: str, id_number: str, household_id: int | None, *, number: str) -> None:
    """Outside the write's transaction, so that the audit entry of a refused duplicate stays.

    In scope: the village's households, and for those who may see full ID numbers (administrators) every
    household of their jurisdiction. A duplicate in scope is refused and named; one outside is not mentioned."""
    if not allow("household-id-check", str(actor.pk), limit=ID_CHECKS_PER_HOUR, window_seconds=3600):
        raise ValidationError({"id_number": _("Too many ID numbers entered in the last hour. Please try again later.")})
    others = list(Household.objects.filter(id_number_hash=pii.lookup_hash(id_number)).exclude(pk=household_id).select_related("village"))
    sees_full_numbers = actor.has_perm("campaigns.reveal_id_number")
    in_scope = [h for h in others if h.village_id == village_code or (sees_full_numbers and within_jurisdiction(actor, h.village_id))]
    elsewhere = [h for h in others if h not in in_scope]
    for other in in_scope:
        # The refusal tells the actor this household's full number: recorded as a full view of it.
        with transaction.atomic():
            PersonalDataView.objects.create(household=other, field=PersonalDataView.Field.ID_NUMBER, viewer=actor)
            audit.record(audit.Action.PERSONAL_DATA, actor=actor, obj=other, summary=f"{other.number} id_number: typed again for household {number}, refused",
                         field="id_number", duplicate="in_scope", village=village_code, number=number)
    if elsewhere:
        # Nothing is said to the actor; the entry is for an administrator to merge the two.
        audit.record(audit.Action.PERSONAL_DATA, actor=actor, obj=elsewhere[0],
                     summary=f"id_number also saved for household {number} of {village_code}: to merge",
                     field="id_number", duplicate="out_of_scope", village=village_code, number=number,
                     others=[h.pk for h in elsewhere])
    if in_scope:
        other = in_scope[0]
        if other.village_id == village_code:
            message = _("This ID number is already registered for household %(number)s of this village. Edit that household instead.") % {"number": other.number}
        else:
            message = _("This ID number is already registered for household %(number)s of %(village)s.") % {"number": other.number, "village": other.village.name}
        raise ValidationError({"id_number": message})


@transaction.atomic
def _household_write(*, actor: User, village_code: str, data: dict, household_id: int | None, id_number: str,
                     base_version: int | None = None) -> Household:
    if household_id:
        household = Household.objects.select_for_update().get(pk=household_id, village_id=village_code)
        if base_version is not None and base_version != household.version:
            raise ValidationError(_("Someone else saved this household after you opened the form. Check what it says now and edit again."))
        if not household.history.exists():  # made by an import or before the history began: its state before this first edit
            Household.history.bulk_history_create([household], default_date=household.updated_at)
        household.version += 1
    else:
        household = Household(village_id=village_code)
    for name in ["number", "head_name", "address", "members", "tags", "family_situation", "state_of_mind", "hardship_cause", "help_needed"]:
        if name in data:
            setattr(household, name, data[name])
    if data.get("phone"):  # the form never shows the stored number: empty keeps it
        household.phone = data["phone"]
    if id_number and pii.lookup_hash(id_number) != household.id_number_hash:
        household.set_id_number(id_number)
    household.full_clean(exclude=["id_number_cipher", "id_number_hash"])
    household._history_user = actor  # the profile history's "who" (Household.history)
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError:  # saved by someone else at the same moment
        raise ValidationError(_("Another household with this number or ID number was just saved. Check and try again.")) from None
    return household


@transaction.atomic
def household_reveal(*, actor: User, household: Household, field: str) -> str:
    """The full ID number or phone, for roles allowed to see it; every look is recorded."""
    permission = {"id_number": "campaigns.reveal_id_number", "phone": "campaigns.reveal_phone"}[field]
    if not actor.has_perm(permission):
        raise PermissionDenied(_("Your role may not see the full value."))
    PersonalDataView.objects.create(household=household, field=field, viewer=actor)
    audit.record(audit.Action.PERSONAL_DATA, actor=actor, obj=household, summary=f"{household.number} {field}", field=field)
    return household.id_number if field == "id_number" else household.phone


@dataclass(frozen=True)
class DemandInput:
    """A problem raised on the visit; each becomes a registered case."""

    summary: str
    type: str = Case.Type.LIVELIHOOD
    head_count: int = 1


def _check_photo(upload) -> str:
    content_type = uploads.sniffed_type(upload, uploads.PHOTOS)
    if content_type is None:
        raise ValidationError(_("%(name)s is not a JPEG or PNG photo.") % {"name": upload.name})
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("%(name)s is larger than 5 MB.") % {"name": upload.name})
    return content_type


def visit_record(
    *, cadre: User, client_id, visited_on: datetime.date, diary: str, household: Household | None = None,
    kinds: list[str] = (), ate_together: bool = False, stayed_overnight: bool = False, laboured_together: bool = False,
    deed: str = "", deed_value: Decimal | None = None, pairing_progress: str = "", latitude=None, longitude=None,
    demands: list[DemandInput] = (), photos: list = (), phone_recorded_at=None, now=None,
) -> tuple[Visit, bool]:
    """Record a visit (a diary entry) and register its demands as cases.

    The form carries a client_id made when it was shown: sending it twice (a double tap, a retry
    on a weak network, the outbox sending again) returns the first visit instead of making another.
    A visit kept on the phone without signal carries the phone's time of entry: the late-entry rule
    counts from that day (entered_on).
    """
    existing = Visit.objects.filter(client_id=client_id).first()
    if existing:
        if existing.cadre_id != cadre.pk:
            raise PermissionDenied
        return existing, False
    now = now or timezone.now()
    today = entered_on(phone_recorded_at, now)
    if not today - datetime.timedelta(days=LATE_DAYS_ALLOWED) <= visited_on <= today:
        raise ValidationError({"visited_on": _("A visit can be recorded on its day or up to %(days)s days later.") % {"days": LATE_DAYS_ALLOWED}})
    assignment = assignment_on(cadre, visited_on)
    if assignment is None:
        raise ValidationError(_("You had no village assignment on %(day)s.") % {"day": visited_on})
    village = assignment.target_village.village_id
    if household is not None and household.village_id != village:
        raise ValidationError(_("The household is not in the village you were posted to on that day."))
    photo_types = [_check_photo(p) for p in photos[:MAX_PHOTOS]]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("At most %(count)s photos per visit.") % {"count": MAX_PHOTOS})
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                client_id=client_id, cadre=cadre, assignment=assignment, household=household, visited_on=visited_on,
                recorded_at=now, phone_recorded_at=phone_recorded_at, kinds=list(kinds), ate_together=ate_together, stayed_overnight=stayed_overnight,
                laboured_together=laboured_together, diary=diary, diary_bands=minhash.bands_of(diary), deed=deed, deed_value=deed_value,
                pairing_progress=pairing_progress, latitude=latitude, longitude=longitude,
            )
            for upload, content_type in zip(photos, photo_types, strict=True):
                upload.name = uploads.stored_name(content_type)  # never the client's name or extension
                VisitPhoto.objects.create(visit=visit, image=upload, content_type=content_type, size=upload.size)
            for demand in demands:
                case_register(
                    actor=cadre, type=demand.type, source=Case.Source.VISIT, summary=demand.summary,
                    petitioner_name=household.head_name if household else cadre.real_name,
                    petitioner_phone=household.phone if household else "", head_count=demand.head_count,
                    village_id=village, household=household, visit=visit,
                )
            if household is not None and pairing_progress:
                pairing = Pairing.objects.filter(campaign=assignment.target_village.campaign_id, cadre=cadre, household=household).first()
                if pairing:
                    pairing.progress = f"{pairing.progress}\n{visited_on:%m-%d} {pairing_progress}".strip()
                    pairing.save(update_fields=["progress"])
    except IntegrityError:
        # The same form arrived twice at once: the other request saved it.
        visit = Visit.objects.filter(client_id=client_id, cadre=cadre).first()
        if visit is None:
            raise
        return visit, False
    flags_enqueue(visits=[visit.pk])
    return visit, True


@transaction.atomic
def visit_edit(*, actor: User, visit_id: int, data: dict, now=None) -> Visit:
    """Change a diary entry within 24 hours of recording it; the previous text is kept."""
    visit = Visit.objects.select_for_update().get(pk=visit_id)
    if visit.cadre_id != actor.pk:
        raise PermissionDenied(_("Only the cadre who wrote an entry may edit it."))
    if not visit.is_editable(now):
        raise ValidationError(_("Entries can be edited for 24 hours; this one is now read-only."))
    previous = {name: getattr(visit, name) for name in EDITABLE_FIELDS}
    if previous["deed_value"] is not None:
        previous["deed_value"] = str(previous["deed_value"])
    changed = {name: value for name, value in data.items() if name in EDITABLE_FIELDS and getattr(visit, name) != value}
    if changed:
        VisitRevision.objects.create(visit=visit, edited_by=actor, edited_at=now or timezone.now(), previous=previous)
        for name, value in changed.items():
            setattr(visit, name, value)
        if "diary" in changed:
            visit.diary_bands = minhash.bands_of(visit.diary)
        visit.save()
        flags_enqueue(visits=[visit.pk])
    return visit


def can_pair(user: User, household: Household, *, today=None) -> bool:
    """Pairing is a cadre's own commitment: only those posted to the household's village today."""
    assignment = assignment_on(user, today or timezone.localdate())
    return assignment is not None and assignment.target_village.village_id == household.village_id and user.has_perm("campaigns.add_pairing")


@transaction.atomic
def pairing_save(*, cadre: User, household: Household, needs: str, today=None) -> Pairing:
    """Pair the cadre with a household of the village they are posted to (结对帮扶), or update the needs."""
    today = today or timezone.localdate()
    if not can_pair(cadre, household, today=today):
        raise PermissionDenied(_("You can pair only with households of the village you are posted to."))
    assignment = assignment_on(cadre, today)
    pairing, _created = Pairing.objects.update_or_create(
        campaign_id=assignment.target_village.campaign_id, cadre=cadre, household=household, defaults={"needs": needs}
    )
    return pairing


class AlreadyRated(ValidationError):
    pass


@transaction.atomic
def evaluation_submit(*, target: TargetVillage, household_number: str, rating_code: str, rating: str, comment: str = "",
                      signed_in_account: User | None = None, address: str = "") -> Evaluation:
    """群众评议 without an account: the household proves itself by its number and the code on its rating card.

    `signed_in_account` is whoever was signed in on the browser it came from: kept on the rating, so that
    ratings sent from a staff member's own session can be told apart. The address it came from is kept
    only as a keyed hash, for the flag on many ratings from one address in a burst."""
    if target.campaign.status != Campaign.Status.ACTIVE:
        raise ValidationError(_("Rating is open only while the campaign runs."))
    card = (
        RatingCard.objects.filter(target_village=target, household__village_id=target.village_id, household__number=household_number.strip())
        .select_related("household").first()
    )
    if card is None or not card.matches(rating_code):
        raise ValidationError(_("The household number and rating code do not match our records. The code is on the rating card delivered to your home."))
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                campaign=target.campaign, target_village=target, household=card.household, rating=rating, comment=comment.strip(),
                signed_in_account=signed_in_account if getattr(signed_in_account, "pk", None) else None,
                address_hash=pii.lookup_hash(address) if address else "",
            )
    except IntegrityError:
        raise AlreadyRated(_("Your household has already rated this campaign. Thank you!")) from None
    flags_enqueue(evaluations=[evaluation.pk])
    return evaluation


def may_print_rating_cards(actor: User, target: TargetVillage) -> bool:
    """Administrators of the village's jurisdiction who may export personal data; a cadre of the team never."""
    return actor.is_superuser or (
        actor.has_perm("campaigns.change_targetvillage") and actor.has_perm("accounts.export_personal_data")
        and within_jurisdiction(actor, target.village_id)
    )


@dataclass(frozen=True)
class PrintedCard:
    household: Household
    code: str

    @property
    def code_for_print(self) -> str:
        half = len(self.code) // 2
        return f"{self.code[:half]} {self.code[half:]}"


@transaction.atomic
def rating_cards_issue(*, actor: User, target: TargetVillage, purpose: str, household_number: str = "", now=None) -> list[PrintedCard]:
    """Print the team's 评议卡: a new random code for each household of the village that has not rated in
    this campaign (or for one household whose card was lost), replacing its earlier card.

    For the campaign office, never the work team: only administrators of the village's jurisdiction who
    may export personal data. The codes are returned to be printed once; only keyed hashes are kept."""
    if not may_print_rating_cards(actor, target):
        raise PermissionDenied(_("Only the campaign office of the jurisdiction prints rating cards."))
    if target.campaign.status == Campaign.Status.CLOSED:
        raise ValidationError(_("The campaign is closed: there is nothing left to rate."))
    target = TargetVillage.objects.select_for_update().get(pk=target.pk)  # two printings at once: one after the other
    households = Household.objects.filter(village_id=target.village_id).exclude(evaluations__campaign=target.campaign_id).order_by("number")
    if household_number.strip():
        households = households.filter(number=household_number.strip())
        if not households:
            raise ValidationError(_("No household %(number)s of this village is waiting to rate.") % {"number": household_number.strip()})
    now = now or timezone.now()
    printed = [PrintedCard(household, RatingCard.new_code()) for household in households]
    RatingCard.objects.bulk_create(
        [RatingCard(target_village=target, household=card.household, code_hash=RatingCard.digest(target.pk, card.household.pk, card.code),
                    issued_at=now, issued_by=actor) for card in printed],
        batch_size=1000, update_conflicts=True, unique_fields=["target_village", "household"], update_fields=["code_hash", "issued_at", "issued_by"],
    )
    audit.record(audit.Action.EXPORT, actor=actor, obj=target, summary=f"rating cards of {target.village_id}", rows=len(printed), purpose=purpose,
                 **({"household": household_number.strip()} if household_number.strip() else {}))
    return printed
