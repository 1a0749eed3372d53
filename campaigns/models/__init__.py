from .campaign import Campaign, CampaignEvent, CampaignQuerySet
from .fieldwork import CheckIn, Evaluation, Pairing, RatingCard, Visit, VisitKind, VisitPhoto, VisitRevision
from .flags import Flag, FlagQuerySet, FlagRule, FlagThresholds
from .household import PHONE_EDITABLE_FIELDS, Household, HouseholdEdit, HouseholdQuerySet, HouseholdTag, PersonalDataView
from .rollups import RollupStatus, VillageCoverage, VillageDay
from .roster import ImportJob
from .village import Assignment, AssignmentQuerySet, TargetVillage, TargetVillageQuerySet

__all__ = [
    "Flag",
    "FlagQuerySet",
    "FlagRule",
    "FlagThresholds",
    "CheckIn",
    "Evaluation",
    "HouseholdTag",
    "Pairing",
    "PersonalDataView",
    "RatingCard",
    "Visit",
    "VisitKind",
    "VisitPhoto",
    "VisitRevision",
    "Assignment",
    "AssignmentQuerySet",
    "Campaign",
    "CampaignEvent",
    "CampaignQuerySet",
    "Household",
    "HouseholdEdit",
    "PHONE_EDITABLE_FIELDS",
    "HouseholdQuerySet",
    "ImportJob",
    "RollupStatus",
    "VillageCoverage",
    "VillageDay",
    "TargetVillage",
    "TargetVillageQuerySet",
]
