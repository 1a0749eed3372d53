"""Roles are Groups; this module is the single source of their permissions.

A data migration (`sync_role_permissions`) creates the groups and grants
exactly the permissions listed here that exist at that point. Every later
migration that adds models with permissions a role needs runs it again.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The value is the Group's name, which admins see in the Django admin.
    CADRE = "下派干部", _("Cadre")
    HANDLER = "经办人", _("Case handler")
    LEADER = "包案领导", _("Responsible leader")
    SUPERVISOR = "督查", _("Supervisor")
    CAMPAIGN_ADMIN = "活动管理员", _("Campaign administrator")


_VIEW_GEOGRAPHY = ["accounts.view_region", "accounts.view_unit"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CADRE: [
        *_VIEW_GEOGRAPHY,
        "campaigns.view_campaign",
        "campaigns.view_targetvillage",
        "campaigns.view_assignment",
        "campaigns.view_household",
        "campaigns.reveal_phone",
        "campaigns.view_visit",
        "campaigns.add_visit",
        "campaigns.view_checkin",
        "campaigns.add_checkin",
        "campaigns.view_pairing",
        "campaigns.add_pairing",
        "campaigns.view_flag",  # their own, to explain (说明)
        "grievances.view_case",
    ],
    Role.HANDLER: [*_VIEW_GEOGRAPHY, "grievances.view_case", "grievances.add_case", "grievances.change_case", "accounts.export_personal_data"],
    Role.LEADER: [*_VIEW_GEOGRAPHY, "grievances.view_case", "grievances.change_case"],
    Role.SUPERVISOR: [
        *_VIEW_GEOGRAPHY,
        "accounts.view_user",
        "campaigns.view_campaign",
        "campaigns.view_campaignevent",
        "campaigns.view_targetvillage",
        "campaigns.view_assignment",
        "campaigns.view_household",
        "campaigns.view_visit",
        "campaigns.view_checkin",
        "campaigns.view_pairing",
        "campaigns.view_dashboards",
        "campaigns.view_flag",
        "campaigns.review_flag",
        "grievances.view_case",
        "grievances.change_case",
        "accounts.export_personal_data",
    ],
    Role.CAMPAIGN_ADMIN: [
        "accounts.view_region",
        "accounts.add_region",
        "accounts.change_region",
        "accounts.view_unit",
        "accounts.add_unit",
        "accounts.change_unit",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "campaigns.view_campaign",
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.view_campaignevent",
        "campaigns.view_dashboards",
        "accounts.export_personal_data",
        "dashboards.view_rankingweight",
        "dashboards.change_rankingweight",
        "campaigns.view_targetvillage",
        "campaigns.add_targetvillage",
        "campaigns.change_targetvillage",
        "campaigns.delete_targetvillage",
        "campaigns.view_assignment",
        "campaigns.add_assignment",
        "campaigns.change_assignment",
        "campaigns.delete_assignment",
        "campaigns.view_household",
        "campaigns.add_household",
        "campaigns.change_household",
        "campaigns.view_importjob",
        "campaigns.add_importjob",
        "campaigns.reveal_id_number",
        "campaigns.reveal_phone",
        "campaigns.view_visit",
        "campaigns.view_checkin",
        "campaigns.view_pairing",
        "campaigns.add_pairing",
        "campaigns.view_flag",  # the thresholds hold for the whole deployment: system administrators set them
    ],
}


def sync_role_permissions(apps, schema_editor):
    """Create the role groups and give each exactly its listed permissions.

    Safe to run any number of times; permissions of models not yet migrated
    are skipped and granted by the later migration that runs this again.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, and create_permissions skips those.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = Permission.objects.none()
        for name in names:
            app_label, codename = name.split(".")
            wanted |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.set(wanted)
