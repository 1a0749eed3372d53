from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedInlineMixin
from accounts.models import Region
from accounts.regions import prefix_of
from accounts.scoping import within_jurisdiction

from .models import Assignment, Campaign, CampaignEvent, FlagThresholds, Household, ImportJob, TargetVillage
from .selectors import can_manage


def campaign_writable(user, campaign: Campaign) -> bool:
    """The campaign pages' rule (selectors.can_manage: organised inside the user's jurisdiction, not closed,
    and they hold the permission), for the campaign as stored and as it would be saved; a new campaign is
    organised inside the jurisdiction of someone who may add campaigns."""
    if campaign.pk is None:
        return user.is_superuser or (user.has_perm("campaigns.add_campaign") and within_jurisdiction(user, campaign.organiser_region_id))
    return can_manage(user, campaign) and within_jurisdiction(user, campaign.organiser_region_id)


def target_writable(user, target: TargetVillage) -> bool:
    """A target village follows its campaign; it is a village inside the user's jurisdiction and the campaign's region."""
    if target.campaign_id is None:
        return user.is_superuser
    village = target.village_id or ""
    return (campaign_writable(user, target.campaign) and within_jurisdiction(user, village)
            and village.startswith(prefix_of(target.campaign.organiser_region_id))
            and Region.objects.villages().filter(pk=village).exists())


class TargetVillageInline(ScopedInlineMixin, admin.TabularInline):
    model = TargetVillage
    extra = 0
    autocomplete_fields = ["village", "helping_unit"]
    show_change_link = True


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "status", "start_date", "end_date", "organiser_region", "organiser_unit"]
    list_filter = ["status", "kind", "start_date"]
    search_fields = ["name", "theme"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["organiser_region", "organiser_unit"]
    list_select_related = ["organiser_region", "organiser_unit"]
    inlines = [TargetVillageInline]

    def can_write(self, request, obj):
        return campaign_writable(request.user, obj)


class AssignmentInline(ScopedInlineMixin, admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["cadre"]


@admin.register(TargetVillage)
class TargetVillageAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["village", "campaign", "is_lagging", "is_weak_organisation", "has_acute_disputes", "has_disorderly_affairs", "helping_unit"]
    list_filter = ["campaign__status", "is_lagging", "is_weak_organisation", "has_acute_disputes", "has_disorderly_affairs"]
    search_fields = ["village__name", "village__code", "campaign__name"]
    autocomplete_fields = ["campaign", "village", "helping_unit"]
    list_select_related = ["village", "campaign", "helping_unit"]
    inlines = [AssignmentInline]

    def can_write(self, request, obj):
        return target_writable(request.user, obj)

    def can_read_history(self, request, obj):
        return within_jurisdiction(request.user, obj.campaign.organiser_region_id)  # the campaign's change log's rule


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["cadre", "target_village", "campaign", "role", "start_date", "end_date"]
    list_filter = ["role", "target_village__campaign__status", "start_date"]
    search_fields = ["cadre__real_name", "cadre__username", "target_village__village__name", "target_village__campaign__name"]
    autocomplete_fields = ["cadre", "target_village"]
    list_select_related = ["cadre", "target_village__village", "target_village__campaign"]
    date_hierarchy = "start_date"

    @admin.display(description=Campaign._meta.verbose_name, ordering="target_village__campaign__name")
    def campaign(self, obj):
        return obj.target_village.campaign

    def can_write(self, request, obj):
        """An assignment follows its target village, which follows its campaign."""
        return obj.target_village_id is not None and target_writable(request.user, obj.target_village)

    def can_read_history(self, request, obj):
        return within_jurisdiction(request.user, obj.target_village.campaign.organiser_region_id)


@admin.register(CampaignEvent)
class CampaignEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The change log is history: readable, never edited."""

    list_display = ["at", "campaign", "actor", "action", "summary"]
    list_filter = ["action", "at"]
    search_fields = ["summary", "campaign__name", "actor__real_name"]
    list_select_related = ["campaign", "actor"]
    date_hierarchy = "at"



@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "head_name", "village", "members", "masked_phone", "address"]
    search_fields = ["number", "head_name", "address"]
    autocomplete_fields = ["village"]
    list_select_related = ["village"]
    exclude = ["phone"]  # shown masked; edited on the household pages
    readonly_fields = ["masked_phone", "masked_id_number"]

    def can_write(self, request, obj):
        return within_jurisdiction(request.user, obj.village_id or "")


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "kind", "status", "total_rows", "created_count", "updated_count", "uploaded_by", "created_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["original_name", "uploaded_by__real_name"]
    list_select_related = ["uploaded_by"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]


    def has_add_permission(self, request):
        return False


@admin.register(FlagThresholds)
class FlagThresholdsAdmin(admin.ModelAdmin):
    """One row: the thresholds of the fabrication rules (campaigns/flags.py), for the whole deployment."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not FlagThresholds.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
