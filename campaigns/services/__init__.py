"""Every write to campaigns: setup.py (campaigns, villages, teams), fieldwork.py (what cadres record), and the roster
imports: import_jobs.py (a job from its upload to its end) and roster.py (what a checked file writes)."""

from django.core.exceptions import PermissionDenied

from ..rules import describe_clash, lock_campaign
from .fieldwork import (
    AlreadyRated,
    DemandInput,
    check_in,
    evaluation_submit,
    household_conflict_resolve,
    household_reveal,
    household_save,
    household_sync,
    pairing_save,
    visit_edit,
    visit_record,
)
from .flags import can_review, flag_explain, flag_review, flags_check_all, flags_check_recent_cases, flags_check_records
from .import_jobs import roster_import_start
from .setup import (
    AssignResult,
    assignment_end,
    cadre_reassign,
    cadres_assign,
    campaign_activate,
    campaign_close,
    campaign_create,
    campaign_update,
    target_village_remove,
    target_village_update,
    target_villages_add,
    team_leader_set,
    village_point_set,
)

__all__ = [
    "AlreadyRated", "AssignResult", "DemandInput", "evaluation_submit", "pairing_save", "PermissionDenied", "assignment_end", "cadre_reassign", "cadres_assign",
    "campaign_activate", "campaign_close", "campaign_create", "campaign_update", "check_in", "describe_clash",
    "household_conflict_resolve", "household_reveal", "household_save", "household_sync", "lock_campaign", "roster_import_start", "target_village_remove",
    "target_village_update", "target_villages_add", "village_point_set", "team_leader_set", "visit_edit", "visit_record",
    "can_review", "flag_explain", "flag_review", "flags_check_all", "flags_check_recent_cases", "flags_check_records",
]
