"""Every change to campaigns, target villages and assignments; each one recorded as a CampaignEvent.
(Roster imports: roster.py and import_jobs.py.)

Views parse input and call these. Rule violations raise ValidationError with a
message for the user; missing rights raise PermissionDenied.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Region, Unit, User
from accounts.roles import Role
from accounts.scoping import within_jurisdiction

from ..models import Assignment, Campaign, CampaignEvent, TargetVillage
from ..rules import describe_clash, lock_campaign

CAMPAIGN_FIELDS = [
    "name", "kind", "theme", "organiser_region", "organiser_unit", "start_date", "end_date",
    "target_households_visited", "target_nights_stayed", "target_deeds_done",
]
# Once cadres are in the villages, the start and the organiser stay as they were.
FIXED_WHEN_ACTIVE = {"kind", "organiser_region", "organiser_unit", "start_date"}


def _record(campaign: Campaign, actor: User, action: str, summary: str, changes: dict | None = None) -> None:
    CampaignEvent.objects.create(campaign=campaign, actor=actor, action=action, summary=summary, changes=changes or {})
    audit.record(audit.Action.CAMPAIGN, actor=actor, obj=campaign, summary=f"{campaign.name}: {summary}")


def _display(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _check_dates(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError(_("The end date must not be before the start date."))


@transaction.atomic
def campaign_create(*, actor: User, data: dict) -> Campaign:
    """Create a draft campaign organised in the actor's jurisdiction."""
    if not (actor.is_superuser or actor.has_perm("campaigns.add_campaign")):
        raise PermissionDenied(_("You may not create campaigns."))
    if not within_jurisdiction(actor, data["organiser_region"].code):
        raise PermissionDenied(_("The organising region is outside your jurisdiction."))
    _check_dates(data["start_date"], data["end_date"])
    campaign = Campaign.objects.create(**{name: data[name] for name in CAMPAIGN_FIELDS if name in data})
    _record(campaign, actor, CampaignEvent.Action.CREATED, _("Created campaign %(name)s") % {"name": campaign.name})
    return campaign


@transaction.atomic
def campaign_update(*, actor: User, campaign_id: int, data: dict) -> Campaign:
    """Change a campaign's settings and record what changed from what to what."""
    campaign = lock_campaign(actor, campaign_id)
    changes = {}
    for name in CAMPAIGN_FIELDS:
        if name not in data or getattr(campaign, name) == data[name]:
            continue
        if campaign.status == Campaign.Status.ACTIVE and name in FIXED_WHEN_ACTIVE:
            label = Campaign._meta.get_field(name).verbose_name
            raise ValidationError(_("%(field)s cannot change while the campaign is active.") % {"field": label})
        changes[name] = [_display(getattr(campaign, name)), _display(data[name])]
        setattr(campaign, name, data[name])
    _check_dates(campaign.start_date, campaign.end_date)
    outside = Assignment.objects.filter(target_village__campaign=campaign).exclude(start_date__gte=campaign.start_date, end_date__lte=campaign.end_date)
    if outside.exists():
        raise ValidationError(_("Some assignments fall outside the new dates: change or end them first."))
    if changes:
        campaign.save()
        fields = "、".join(str(Campaign._meta.get_field(name).verbose_name) for name in changes)
        _record(campaign, actor, CampaignEvent.Action.UPDATED, _("Edited %(fields)s") % {"fields": fields}, changes)
    return campaign


@transaction.atomic
def campaign_activate(*, actor: User, campaign_id: int, today: datetime.date | None = None) -> Campaign:
    """Draft → active, once it has villages and cadres and has not already ended."""
    today = today or timezone.localdate()
    campaign = lock_campaign(actor, campaign_id)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError(_("Only a draft campaign can be activated."))
    problems = []
    if not campaign.target_villages.exists():
        problems.append(_("add at least one target village"))
    if not Assignment.objects.filter(target_village__campaign=campaign).exists():
        problems.append(_("assign at least one cadre"))
    if campaign.end_date < today:
        problems.append(_("its end date %(date)s has passed") % {"date": campaign.end_date})
    if problems:
        raise ValidationError(_("The campaign cannot be activated yet: %(problems)s.") % {"problems": "；".join(problems)})
    campaign.status = Campaign.Status.ACTIVE
    campaign.save(update_fields=["status", "updated_at"])
    _record(campaign, actor, CampaignEvent.Action.ACTIVATED, _("Activated the campaign"), {"status": ["draft", "active"]})
    return campaign


@transaction.atomic
def campaign_close(*, actor: User, campaign_id: int, today: datetime.date | None = None) -> Campaign:
    """Active → closed. Assignments stop today; those not yet begun are dropped. Read-only afterwards."""
    today = today or timezone.localdate()
    campaign = lock_campaign(actor, campaign_id)
    if campaign.status != Campaign.Status.ACTIVE:
        raise ValidationError(_("Only an active campaign can be closed."))
    assignments = Assignment.objects.filter(target_village__campaign=campaign)
    dropped = assignments.filter(start_date__gt=today).delete()[0]
    cut = assignments.filter(end_date__gt=today).update(end_date=today)
    changes = {"status": ["active", "closed"]}
    if campaign.end_date > today:
        changes["end_date"] = [_display(campaign.end_date), _display(today)]
        campaign.end_date = max(today, campaign.start_date)
    campaign.status = Campaign.Status.CLOSED
    campaign.save(update_fields=["status", "end_date", "updated_at"])
    summary = _("Closed the campaign")
    if dropped or cut:
        summary += _(" (%(cut)s assignments ended today, %(dropped)s not yet begun dropped)") % {"cut": cut, "dropped": dropped}
    _record(campaign, actor, CampaignEvent.Action.CLOSED, summary, changes)
    return campaign


@transaction.atomic
def target_villages_add(*, actor: User, campaign_id: int, village_codes: list[str]) -> int:
    """Add villages of the actor's jurisdiction (and the campaign's region); returns how many were new."""
    campaign = lock_campaign(actor, campaign_id)
    wanted = set(village_codes)
    allowed = Region.objects.visible_to(actor).villages().in_region(campaign.organiser_region_id).filter(code__in=wanted)
    if allowed.count() != len(wanted):
        raise ValidationError(_("Some of the villages are outside your jurisdiction or the campaign's region."))
    villages = list(allowed.exclude(code__in=campaign.target_villages.values("village_id")))
    TargetVillage.objects.bulk_create([TargetVillage(campaign=campaign, village=village) for village in villages])
    if villages:
        names = "、".join(v.name for v in villages)
        _record(
            campaign, actor, CampaignEvent.Action.VILLAGE_ADDED,
            _("Added %(count)s target villages: %(names)s") % {"count": len(villages), "names": names[:400]},
            {"villages": [v.code for v in villages]},
        )
    return len(villages)


@transaction.atomic
def target_village_update(*, actor: User, target_id: int, flags: dict[str, bool], helping_unit: Unit | None) -> TargetVillage:
    target = TargetVillage.objects.select_for_update(of=("self",)).select_related("village", "helping_unit").get(pk=target_id)
    lock_campaign(actor, target.campaign_id)
    if helping_unit and not Unit.objects.visible_to(actor).filter(pk=helping_unit.pk).exists():
        raise PermissionDenied(_("The helping unit is outside your jurisdiction."))
    changes = {}
    for name in TargetVillage.FLAGS:
        if name in flags and getattr(target, name) != flags[name]:
            changes[name] = [getattr(target, name), flags[name]]
            setattr(target, name, flags[name])
    if target.helping_unit_id != (helping_unit.pk if helping_unit else None):
        changes["helping_unit"] = [_display(target.helping_unit), _display(helping_unit)]
        target.helping_unit = helping_unit
    if changes:
        target.save()
        _record(
            target.campaign, actor, CampaignEvent.Action.VILLAGE_UPDATED,
            _("Edited target village %(village)s") % {"village": target.village.name}, changes,
        )
    return target


@transaction.atomic
def target_village_remove(*, actor: User, target_id: int) -> None:
    target = TargetVillage.objects.select_for_update(of=("self",)).select_related("village").get(pk=target_id)
    campaign = lock_campaign(actor, target.campaign_id)
    if target.assignments.exists():
        raise ValidationError(
            _("%(village)s still has cadres assigned: end or remove their assignments first.") % {"village": target.village.name}
        )
    target.delete()
    _record(campaign, actor, CampaignEvent.Action.VILLAGE_REMOVED, _("Removed target village %(village)s") % {"village": target.village.name},
            {"village": target.village_id})


@dataclass
class AssignResult:
    assigned: list[User] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one sentence per cadre, naming the clash


def _clash(cadre: User, start: datetime.date, end: datetime.date, exclude: int | None = None) -> Assignment | None:
    return (
        Assignment.objects.filter(cadre=cadre)
        .overlapping(start, end)
        .exclude(pk=exclude)
        .select_related("target_village__village", "target_village__campaign")
        .first()
    )


@transaction.atomic
def cadres_assign(
    *, actor: User, target_id: int, cadre_ids: list[int],
    start_date: datetime.date | None = None, end_date: datetime.date | None = None,
) -> AssignResult:
    """Assign cadres to a target village's team as members; a cadre already elsewhere on those days is refused."""
    target = TargetVillage.objects.select_related("village").get(pk=target_id)
    campaign = lock_campaign(actor, target.campaign_id)
    start, end = start_date or campaign.start_date, end_date or campaign.end_date
    _check_dates(start, end)
    if start < campaign.start_date or end > campaign.end_date:
        raise ValidationError(_("Assignments must fall within the campaign's dates."))
    # Locking the cadres serialises concurrent assignments of the same person.
    cadres = list(
        User.objects.visible_to(actor).filter(pk__in=cadre_ids, is_active=True, groups__name=Role.CADRE.value)
        .select_for_update(of=("self",)).order_by("pk")
    )
    result = AssignResult()
    if len(cadres) != len(set(cadre_ids)):
        result.refused.append(_("%(count)s of the chosen people are not active cadres of your jurisdiction.") % {"count": len(set(cadre_ids)) - len(cadres)})
    new = []
    for cadre in cadres:
        other = _clash(cadre, start, end)
        if other:
            result.refused.append(describe_clash(cadre, other))
            continue
        new.append(Assignment(target_village=target, cadre=cadre, start_date=start, end_date=end))
        result.assigned.append(cadre)
    Assignment.objects.bulk_create(new)
    if new:
        names = "、".join(c.real_name for c in result.assigned)
        _record(
            campaign, actor, CampaignEvent.Action.CADRE_ASSIGNED,
            _("Assigned %(names)s to %(village)s") % {"names": names[:300], "village": target.village.name},
            {"cadres": [c.pk for c in result.assigned], "village": target.village_id, "from": start.isoformat(), "to": end.isoformat()},
        )
    return result


def _lock_assignment(actor: User, assignment_id: int) -> tuple[Assignment, Campaign]:
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("cadre", "target_village__village").get(pk=assignment_id)
    )
    return assignment, lock_campaign(actor, assignment.target_village.campaign_id)


@transaction.atomic
def team_leader_set(*, actor: User, assignment_id: int, today=None) -> Assignment:
    """Make this cadre the team's leader; the previous leader becomes a member."""
    assignment, campaign = _lock_assignment(actor, assignment_id)
    if assignment.end_date < (today or timezone.localdate()):
        raise ValidationError(_("This assignment has already ended."))
    previous = assignment.target_village.assignments.filter(role=Assignment.Role.LEADER).exclude(pk=assignment.pk)
    previous_names = "、".join(a.cadre.real_name for a in previous.select_related("cadre"))
    previous.update(role=Assignment.Role.MEMBER)
    assignment.role = Assignment.Role.LEADER
    assignment.save(update_fields=["role"])
    _record(
        campaign, actor, CampaignEvent.Action.LEADER_CHANGED,
        _("%(cadre)s leads the team at %(village)s") % {"cadre": assignment.cadre.real_name, "village": assignment.target_village.village.name},
        {"leader": [previous_names, assignment.cadre.real_name]},
    )
    return assignment


@transaction.atomic
def assignment_end(*, actor: User, assignment_id: int, today: datetime.date | None = None) -> None:
    """Take a cadre off a team. Before the campaign starts (or the assignment begins) it is removed;
    afterwards it ends today and stays as history."""
    today = today or timezone.localdate()
    assignment, campaign = _lock_assignment(actor, assignment_id)
    if assignment.end_date < today:
        raise ValidationError(_("This assignment has already ended."))
    village, cadre = assignment.target_village.village.name, assignment.cadre.real_name
    if campaign.status == Campaign.Status.DRAFT or assignment.start_date > today:
        assignment.delete()
        summary = _("Removed %(cadre)s from %(village)s") % {"cadre": cadre, "village": village}
        changes = {"cadre": assignment.cadre_id}
    else:
        changes = {"cadre": assignment.cadre_id, "end_date": [_display(assignment.end_date), _display(today)]}
        assignment.end_date = min(assignment.end_date, today)
        assignment.save(update_fields=["end_date"])
        summary = _("Ended %(cadre)s's assignment at %(village)s on %(date)s") % {"cadre": cadre, "village": village, "date": today}
    _record(campaign, actor, CampaignEvent.Action.ASSIGNMENT_ENDED, summary, changes)


@transaction.atomic
def cadre_reassign(*, actor: User, assignment_id: int, target_id: int, today: datetime.date | None = None) -> Assignment:
    """Move a cadre to another village of the same campaign from today on; the old assignment stays as history."""
    today = today or timezone.localdate()
    assignment, campaign = _lock_assignment(actor, assignment_id)
    destination = TargetVillage.objects.select_related("village").get(pk=target_id, campaign=campaign)
    if destination.pk == assignment.target_village_id:
        raise ValidationError(_("The cadre is already in this village."))
    start = max(today, assignment.start_date)
    if start > assignment.end_date:
        raise ValidationError(_("This assignment has already ended."))
    other = _clash(assignment.cadre, start, assignment.end_date, exclude=assignment.pk)
    if other:
        raise ValidationError(describe_clash(assignment.cadre, other))
    moved = Assignment.objects.create(target_village=destination, cadre=assignment.cadre, start_date=start, end_date=assignment.end_date)
    if start == assignment.start_date:
        assignment.delete()  # had not begun: nothing to keep
    else:
        assignment.end_date = start - datetime.timedelta(days=1)
        assignment.role = Assignment.Role.MEMBER
        assignment.save(update_fields=["end_date", "role"])
    _record(
        campaign, actor, CampaignEvent.Action.CADRE_REASSIGNED,
        _("Moved %(cadre)s from %(old)s to %(new)s from %(date)s")
        % {"cadre": assignment.cadre.real_name, "old": assignment.target_village.village.name, "new": destination.village.name, "date": start},
        {"cadre": assignment.cadre_id, "village": [assignment.target_village.village_id, destination.village_id], "from": start.isoformat()},
    )
    return moved



@transaction.atomic
def village_point_set(*, actor: User, village_code: str, latitude, longitude) -> Region:
    """A village's reference point (usually the village committee), which visits and check-ins are measured
    from: the median of its check-ins, confirmed by an administrator of the jurisdiction."""
    village = Region.objects.select_for_update().filter(pk=village_code, level=Region.Level.VILLAGE).first()
    if village is None or not (actor.has_perm("accounts.change_region") and within_jurisdiction(actor, village_code)):
        raise PermissionDenied(_("Only an administrator of the jurisdiction sets a village's reference point."))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError(_("Latitude and longitude go together, in degrees, such as 28.123456 and 112.987654."))
    before = (village.latitude, village.longitude)
    village.latitude, village.longitude = latitude, longitude
    village.save(update_fields=["latitude", "longitude"])
    audit.record(audit.Action.CONFIGURATION, actor=actor, obj=village, summary=f"{village.code} {village.name}: reference point",
                 before=[str(value) for value in before], after=[str(latitude), str(longitude)])
    return village
