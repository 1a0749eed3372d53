"""Rules that both the services and the roster checks apply; this module imports neither of them.

lock_campaign: whether the actor may still change a campaign (services, and the roster import's write).
describe_clash: the sentence that names a cadre's other assignment on the same days (assigning by hand,
and the assignment roster's row checks).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Assignment, Campaign


def lock_campaign(actor: User, campaign_id: int) -> Campaign:
    """The campaign, locked, if the actor may change it; closed campaigns are read-only."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if not Campaign.objects.managed_by(actor).filter(pk=campaign.pk).exists():
        raise PermissionDenied(_("You may not change this campaign."))
    if campaign.is_closed:
        raise ValidationError(_("This campaign is closed and can no longer be changed."))
    return campaign


def describe_clash(cadre: User, other: Assignment) -> str:
    return _("%(cadre)s is already assigned to %(village)s in %(campaign)s from %(start)s to %(end)s.") % {
        "cadre": cadre.real_name,
        "village": other.target_village.village.name,
        "campaign": other.target_village.campaign.name,
        "start": other.start_date,
        "end": other.end_date,
    }
