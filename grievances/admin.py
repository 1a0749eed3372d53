from django.contrib import admin

from accounts.admin import ScopedAdminMixin
from outreach.pii import mask_phone

from .models import Case


@admin.register(Case)
class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "type", "source", "status", "petitioner_name", "village", "registered_at"]
    list_filter = ["type", "source", "status", "registered_at"]
    search_fields = ["number", "petitioner_name", "summary"]
    list_select_related = ["village"]
    readonly_fields = ["number", "registered_by", "registered_at", "visit", "household", "masked_petitioner_phone"]
    exclude = ["petitioner_phone"]  # shown masked

    @admin.display(description=Case._meta.get_field("petitioner_phone").verbose_name)
    def masked_petitioner_phone(self, obj):
        return mask_phone(obj.petitioner_phone) if obj.petitioner_phone else ""
    date_hierarchy = "registered_at"
