from .campaign import Campaign, CampaignEvent, CampaignQuerySet
from .household import Household, HouseholdQuerySet
from .roster import ImportJob
from .village import Assignment, AssignmentQuerySet, TargetVillage, TargetVillageQuerySet

__all__ = [
    "Assignment",
    "AssignmentQuerySet",
    "Campaign",
    "CampaignEvent",
    "CampaignQuerySet",
    "Household",
    "HouseholdQuerySet",
    "ImportJob",
    "TargetVillage",
    "TargetVillageQuerySet",
]
