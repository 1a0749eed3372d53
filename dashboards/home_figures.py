"""Reads for the home page, which gathers a little from every app for the user's roles. (The Celery status
it shows administrators comes from outreach.context_processors.celery.)"""

from dataclasses import dataclass

from accounts.models import Region, User
from accounts.roles import Role
from campaigns.models import Campaign, Household


@dataclass(frozen=True)
class JurisdictionCounts:
    townships: int
    villages: int
    households: int
    staff: int


def jurisdiction_counts(user: User) -> JurisdictionCounts | None:
    """How much of the region tree the user answers for; None without a jurisdiction."""
    if not user.jurisdiction_id:
        return None
    regions = Region.objects.visible_to(user)
    return JurisdictionCounts(
        townships=regions.townships().count(),
        villages=regions.villages().count(),
        households=Household.objects.visible_to(user).count(),
        staff=User.objects.visible_to(user).filter(is_active=True).count(),
    )


def home_campaigns(user: User) -> list[Campaign]:
    """Campaign admins see every campaign of their jurisdiction; others the active ones."""
    campaigns = Campaign.objects.visible_to(user).select_related("organiser_region")
    if not (user.is_superuser or user.has_role(Role.CAMPAIGN_ADMIN)):
        campaigns = campaigns.active()
    return list(campaigns[:10])
