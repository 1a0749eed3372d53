from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from accounts.scoping import within_jurisdiction
from core.pii import mask_phone

from . import holidays
from .models import CalendarDay, Case, CaseCategory, CaseEvent, Delivery, MediationSession, SmsQuietHours, SmsTemplate, UnitWebhook


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
        "unit", "pending_unit", "leader", "supervising_leader", "supervised", "accept_due", "objection_due", "objection_due_provisional", "accepted_at",
        "resolve_due", "extension_requested_days", "extension_days", "extension_reason", "rejection_reason", "outcome",
        "reply", "resolved_at", "satisfaction", "evaluated_at", "closed_at",
    ]
    inlines = [CaseEventInline]

    @admin.display(description=Case._meta.get_field("petitioner_phone").verbose_name)
    def masked_petitioner_phone(self, obj):
        return mask_phone(obj.petitioner_phone) if obj.petitioner_phone else ""

    def has_add_permission(self, request):
        return False  # cases are registered on the case pages, where they get their number and limits

    def can_write(self, request, obj):
        """Descriptive fields of the cases of the user's jurisdiction; a case they see as its handler or
        leader only is read here and worked on the case pages."""
        return within_jurisdiction(request.user, obj.village_id or "")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MediationSession)
class MediationSessionAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: sessions are recorded on the case page, as a timeline event."""

    list_display = ["case", "kind", "held_on", "mediator", "result"]
    list_filter = ["kind", "result", "held_on"]
    search_fields = ["case__number", "mediator", "agreement"]
    list_select_related = ["case"]


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Every reminder sent by e-mail or group robot: its status, attempts and last error."""

    list_display = ["reminder", "channel", "status", "attempts", "next_attempt_at", "sent_at", "short_error"]
    list_filter = ["status", "channel"]
    search_fields = ["reminder__case__number", "last_error"]
    list_select_related = ["reminder__case"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description=Delivery._meta.get_field("last_error").verbose_name)
    def short_error(self, obj):
        return obj.last_error[:80]

    def has_add_permission(self, request):
        return False


@admin.register(UnitWebhook)
class UnitWebhookAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Each unit's 企业微信 / 钉钉 group robot, for the units of the admin's jurisdiction."""

    list_display = ["unit", "kind", "url", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["unit__name"]
    autocomplete_fields = ["unit"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # robots' addresses are https

    def can_write(self, request, obj):
        return obj.unit_id is not None and within_jurisdiction(request.user, obj.unit.region_id)


class ScheduleImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Schedule file (.xlsx or .csv)"),
                           help_text=gettext_lazy("Columns: 日期 (YYYY-MM-DD) | 类型 (放假 or 上班) | 名称, one row per day, a header row first."))
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200,
                             help_text=gettext_lazy("The State Council's notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知"))


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """节假日安排: system administrators enter each year's schedule; every change recomputes the limits it moves."""

    list_display = ["day", "kind", "name", "source", "entered_by", "entered_at"]
    list_filter = ["kind", "name"]
    date_hierarchy = "day"
    fields = ["day", "kind", "name", "source"]
    change_list_template = "admin/grievances/calendarday/change_list.html"

    def _system_admin(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self._system_admin(request)

    def has_module_permission(self, request):
        return self._system_admin(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("day") if change else None
        holidays.calendar_day_save(actor=request.user, day=obj, previous_day=previous)

    def delete_model(self, request, obj):
        holidays.calendar_day_delete(actor=request.user, day=obj)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            holidays.calendar_day_delete(actor=request.user, day=day)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="grievances_calendarday_import"), *super().get_urls()]

    def import_view(self, request):
        if not self._system_admin(request):
            raise PermissionDenied
        form = ScheduleImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                rows = holidays.parse_schedule(form.cleaned_data["file"])
                result = holidays.schedule_import(actor=request.user, rows=rows, source=form.cleaned_data["source"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                messages.success(request, _("Entered %(days)s days for %(years)s; %(recomputed)s time limits recounted.") % {
                    "days": result["days"], "years": "、".join(str(y) for y in result["years"]), "recomputed": result["recomputed"]})
                return redirect("admin:grievances_calendarday_changelist")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _("Import a holiday schedule")}
        return TemplateResponse(request, "admin/grievances/calendarday/import.html", context)


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    """The text message templates approved by the SMS providers (grievances/sms.py): code and parameters, per purpose."""

    list_display = ["purpose", "provider", "code", "parameters", "is_active"]
    list_filter = ["provider", "purpose", "is_active"]


@admin.register(SmsQuietHours)
class SmsQuietHoursAdmin(admin.ModelAdmin):
    """One row: when staff are not texted, and whether overdue alerts go out anyway."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SmsQuietHours.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
