from django.contrib import admin

from accounts.admin import ScopedAdminMixin

from .models import Case


@admin.register(Case)
class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "type", "source", "status", "petitioner_name", "village", "registered_at"]
    list_filter = ["type", "source", "status", "registered_at"]
    search_fields = ["number", "petitioner_name", "summary"]
    list_select_related = ["village"]
    readonly_fields = ["number", "registered_by", "registered_at", "visit", "household"]
    date_hierarchy = "registered_at"
