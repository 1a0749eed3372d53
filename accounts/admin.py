import json

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.excel import workbook_response

from .forms import LoginForm
from .models import AuditEntry, Region, Unit, User


class ScopedAdminMixin:
    """Django admin through the same jurisdiction scoping as every page: lists and choices."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = db_field.related_model._default_manager.all()
        if hasattr(queryset, "visible_to") and "queryset" not in kwargs:
            kwargs["queryset"] = queryset.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """History and logs: readable in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]


class AdministratorSetPasswordForm(AdminPasswordChangeForm):
    """A password set by an administrator is known to them: the user must choose another at the next login."""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "real_name", "unit", "jurisdiction", "phone", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["username", "real_name", "phone", "unit__name"]
    autocomplete_fields = ["unit", "jurisdiction"]
    list_select_related = ["unit", "jurisdiction"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["real_name", "phone", "email", "unit", "jurisdiction"]}),
        (_("Roles and permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "real_name", "unit", "jurisdiction", "password1", "password2"]}),
    ]
    change_password_form = AdministratorSetPasswordForm

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers or hands out single permissions: a campaign admin who may
        # edit users could otherwise give themselves anything, the audit trail included.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "is_superuser", "user_permissions"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # a password an administrator chose is changed at the first login
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail: searched and exported, never changed (system administrators: superusers, or
    whoever is given the 'view audit entry' permission)."""

    list_display = ["at", "actor_name", "address", "action", "summary"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "summary", "address", "object_id"]
    date_hierarchy = "at"
    actions = ["export"]
    list_per_page = 50


    @admin.action(description=_("Export the chosen entries to Excel"), permissions=["view"])
    def export(self, request, queryset):
        headers = [_("at"), _("by"), _("from address"), _("action"), _("object type"), _("object"), _("what"), _("details")]
        rows = ([e.at, e.actor_name, e.address, e.get_action_display(), e.object_type, e.object_id, e.summary, json.dumps(e.details, ensure_ascii=False)]
                for e in queryset.order_by("at", "id").iterator(chunk_size=2000))
        return workbook_response(f"审计日志-{timezone.localdate():%Y%m%d}.xlsx", str(_("audit trail")), [str(h) for h in headers], rows)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login with the same length check as ours (a longer name broke the lockout's record)."""

    clean_username = LoginForm.clean_username


admin.site.login_form = AdminLoginForm
