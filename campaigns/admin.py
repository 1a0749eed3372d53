from django.contrib import admin

from accounts.admin import ScopedAdminMixin

from .models import Campaign, Household


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "status", "start_date", "end_date", "organiser_region"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "theme"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["organiser_region", "organiser_unit"]
    list_select_related = ["organiser_region"]


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "head_name", "village", "members", "address"]
    search_fields = ["number", "head_name", "address"]
    autocomplete_fields = ["village"]
    list_select_related = ["village"]
