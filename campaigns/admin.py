from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import Assignment, Campaign, CampaignEvent, Household, ImportJob, TargetVillage


class TargetVillageInline(admin.TabularInline):
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


class AssignmentInline(admin.TabularInline):
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


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "kind", "status", "total_rows", "created_count", "updated_count", "uploaded_by", "created_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["original_name", "uploaded_by__real_name"]
    list_select_related = ["uploaded_by"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]


    def has_add_permission(self, request):
        return False
