from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from accounts.models import Unit
from outreach.pii import mask_phone

from .models import Case, CaseCategory, CaseEvent, Delivery, MediationSession, UnitWebhook


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    """Categories and their time limits: the legal defaults, changed here when a category needs other figures."""

    list_display = ["name", "accept_days", "objection_working_days", "resolve_days", "max_extension_days", "review_days", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "from_status", "to_status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read and correct descriptive fields; moves go through the case pages, where they are checked and recorded."""

    list_display = ["number", "type", "category", "status", "level", "petitioner_name", "village", "unit", "registered_at"]
    list_filter = ["status", "type", "level", "category", "supervised", "registered_at"]
    search_fields = ["number", "petitioner_name", "summary"]
    list_select_related = ["village", "category", "unit"]
    date_hierarchy = "registered_at"
    exclude = ["petitioner_phone", "handlers"]  # phone shown masked; handlers set by assigning
    readonly_fields = [
        "number", "status", "stage", "village", "category", "level", "parent", "registered_by", "registered_at", "visit", "household", "masked_petitioner_phone",
        "unit", "pending_unit", "leader", "supervising_leader", "supervised", "accept_due", "objection_due", "accepted_at",
        "resolve_due", "extension_requested_days", "extension_days", "extension_reason", "rejection_reason", "outcome",
        "reply", "resolved_at", "satisfaction", "evaluated_at", "closed_at",
    ]
    inlines = [CaseEventInline]

    @admin.display(description=Case._meta.get_field("petitioner_phone").verbose_name)
    def masked_petitioner_phone(self, obj):
        return mask_phone(obj.petitioner_phone) if obj.petitioner_phone else ""

    def has_add_permission(self, request):
        return False  # cases are registered on the case pages, where they get their number and limits

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MediationSession)
class MediationSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: sessions are recorded on the case page, as a timeline event."""

    list_display = ["case", "kind", "held_on", "mediator", "result"]
    list_filter = ["kind", "result", "held_on"]
    search_fields = ["case__number", "mediator", "agreement"]
    list_select_related = ["case"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=Case.objects.visible_to(request.user))


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every reminder sent by e-mail or group robot: its status, attempts and last error."""

    list_display = ["reminder", "channel", "status", "attempts", "next_attempt_at", "sent_at", "short_error"]
    list_filter = ["status", "channel"]
    search_fields = ["reminder__case__number", "last_error"]
    list_select_related = ["reminder__case"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description=Delivery._meta.get_field("last_error").verbose_name)
    def short_error(self, obj):
        return obj.last_error[:80]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(reminder__case__in=Case.objects.visible_to(request.user))

    def has_add_permission(self, request):
        return False


@admin.register(UnitWebhook)
class UnitWebhookAdmin(admin.ModelAdmin):
    """Each unit's 企业微信 / 钉钉 group robot, for the units of the admin's jurisdiction."""

    list_display = ["unit", "kind", "url", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["unit__name"]
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(unit__in=Unit.objects.visible_to(request.user))
