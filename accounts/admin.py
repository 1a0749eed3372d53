import copy
import json

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.exports import workbook_response

from . import services
from .forms import AdminAccountChangeForm, AdminAccountCreationForm, AdministratorSetPasswordForm, LoginForm
from .models import AuditEntry, Region, Unit, User
from .scoping import within_jurisdiction


def _choices_for(db_field, user):
    """The rows a form may point a foreign key at: what the user sees, but of the regions only those inside
    their jurisdiction — the regions above it are shown to them, never chosen (no campaign, village,
    household or account may be put in the city or the province by a county's administrator). A region's
    parent is the exception: it is fixed by the region's code (Region.clean), and a township's is the county."""
    queryset = db_field.related_model._default_manager.all()
    if db_field.related_model is Region and db_field.model is not Region:
        return queryset.in_jurisdiction_of(user)
    return queryset.visible_to(user) if hasattr(queryset, "visible_to") else None


class _ScopedChoices:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = _choices_for(db_field, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdminMixin(_ScopedChoices):
    """Django admin through the same jurisdiction scoping as every page: lists and choices read through
    visible_to; writes follow the pages' rules. Each ModelAdmin says once, in `can_write`, whether the user
    may change or delete an object — checked on the object as stored (the change and delete pages, actions)
    and on the object as it would be saved (so nothing is moved out of or into a place the user may not
    write). Without its own `can_write` only a superuser writes."""

    def can_write(self, request, obj) -> bool:
        return request.user.is_superuser

    def can_read_history(self, request, obj) -> bool:
        """The admin's history of an object names who changed what: only for objects inside the user's
        jurisdiction (not the regions or campaigns above it they merely see), or that they may write."""
        if request.user.is_superuser or self.can_write(request, obj):
            return True
        queryset = self.model._default_manager.all()
        return hasattr(queryset, "in_jurisdiction_of") and queryset.in_jurisdiction_of(request.user).filter(pk=obj.pk).exists()

    def ensure_can_write(self, request, obj) -> None:
        if not self.can_write(request, obj):
            raise PermissionDenied(gettext("This lies outside what you may change."))

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or self.can_write(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or self.can_write(request, obj))

    def save_model(self, request, obj, form, change):
        self.ensure_can_write(request, obj)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        self.ensure_can_write(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.ensure_can_write(request, obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        """Inline rows follow their own model's rule: each new, changed or deleted row, before and after."""
        rows_admin = self.admin_site._registry.get(formset.model)
        if rows_admin is not None and hasattr(rows_admin, "can_write") and not request.user.is_superuser:
            deleted = set(map(id, formset.deleted_forms))
            for row in formset.forms:
                if id(row) not in deleted and not row.has_changed():
                    continue
                if row.instance.pk is not None:
                    rows_admin.ensure_can_write(request, formset.model._base_manager.get(pk=row.instance.pk))
                if id(row) not in deleted:
                    setattr(row.instance, formset.fk.name, formset.instance)
                    rows_admin.ensure_can_write(request, row.instance)
        super().save_formset(request, form, formset, change)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not self.can_read_history(request, obj):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


class ScopedInlineMixin(_ScopedChoices):
    """Inline rows read through visible_to (a city campaign's villages of another county stay hidden from a
    county's administrator) and are added, changed or deleted only where their parent may be written."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def _parent_writable(self, request, obj) -> bool:
        parent_admin = self.admin_site._registry[self.parent_model]
        return obj is None or parent_admin.can_write(request, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_writable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_writable(request, obj)


class ReadOnlyAdminMixin:
    """History and logs: readable in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SystemAdministratorsOnlyMixin:
    """Only a superuser reaches this admin, whatever permissions anyone else is given."""

    def _system_admin(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._system_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._system_admin(request)

    def has_add_permission(self, request, *args):
        return self._system_admin(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._system_admin(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._system_admin(request) and super().has_delete_permission(request, obj)


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]

    def can_write(self, request, obj):
        """Regions inside the jurisdiction; those above it (the city, 湖南省) are shown, never changed."""
        return within_jurisdiction(request.user, obj.code)

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") and request.GET.get("model_name") != "region":  # a region to choose (not a parent): inside the jurisdiction
            queryset = queryset.in_jurisdiction_of(request.user)
        return queryset, duplicates


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]

    def can_write(self, request, obj):
        """Units of the jurisdiction; the user's own unit elsewhere (a township administrator sent by a
        county department) is shown, never changed."""
        return within_jurisdiction(request.user, obj.region_id)

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name"):  # a unit to choose: of the jurisdiction
            queryset = queryset.in_jurisdiction_of(request.user)
        return queryset, duplicates


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    """Accounts, through accounts/services.py: what an administrator may change, on whose account, and the
    password they confirm it with. Nobody changes their own powers here; a superuser's or staff member's
    account is read-only to anyone but a superuser."""

    list_display = ["username", "real_name", "unit", "jurisdiction", "phone", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["username", "real_name", "phone", "unit__name"]
    autocomplete_fields = ["unit", "jurisdiction"]
    list_select_related = ["unit", "jurisdiction"]
    ordering = ["username"]
    form = AdminAccountChangeForm
    add_form = AdminAccountCreationForm
    change_password_form = AdministratorSetPasswordForm
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["real_name", "phone", "email", "unit", "jurisdiction"]}),
        (_("Roles and permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions", "reset_two_factor"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Confirm"), {"fields": ["actor_password"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "real_name", "unit", "jurisdiction", "usable_password", "password1", "password2"]}),
        (_("Confirm"), {"fields": ["actor_password"]}),
    ]
    POWERS = ["groups", "unit", "jurisdiction", "is_active", "is_staff", "is_superuser", "user_permissions"]

    def can_write(self, request, obj):
        """One's own account (its name, phone and e-mail; see get_readonly_fields) or one the user manages."""
        return obj.pk == request.user.pk or services.can_manage_account(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.pk != request.user.pk)

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            return [*fields, *self.POWERS]  # nobody raises their own powers
        if not request.user.is_superuser:
            # Only a superuser makes staff or superusers or hands out single permissions.
            fields += ["is_staff", "is_superuser", "user_permissions"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        drop = set()
        if not self.has_change_permission(request, obj):
            drop |= {"actor_password", "reset_two_factor"}
        if obj.pk == request.user.pk or not services.two_factor_devices(obj).exists():
            drop.add("reset_two_factor")
        shown = [(name, {**options, "fields": [f for f in options["fields"] if f not in drop]}) for name, options in fieldsets]
        return [(name, options) for name, options in shown if options["fields"]]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})  # the form checks the changes against its actor

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A unit or jurisdiction is given only inside the administrator's jurisdiction.
        if db_field.name in ("unit", "jurisdiction"):
            kwargs["queryset"] = db_field.related_model.objects.in_jurisdiction_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = services.grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        confirm = form.cleaned_data.get("actor_password", "")
        if not change:
            services.user_create(actor=request.user, user=obj, confirm_password=confirm)
            return
        services.user_update(
            actor=request.user, user_id=obj.pk, changes=form.account_changes(), roles=form.cleaned_data.get("groups"),
            permissions=form.cleaned_data.get("user_permissions"), reset_two_factor=bool(form.cleaned_data.get("reset_two_factor")),
            confirm_password=confirm,
        )

    def save_related(self, request, form, formsets, change):
        # Roles and single permissions were set by the service in save_model, not by the form.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def user_change_password(self, request, id, form_url=""):
        # The password form is told who fills it in: on a copy of this admin, as the admin is shared by every request.
        bound = copy.copy(self)
        bound.change_password_form = type("AdministratorSetPasswordForm", (self.change_password_form,), {"actor": request.user})
        return DjangoUserAdmin.user_change_password(bound, request, id, form_url)


admin.site.unregister(Group)
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(SystemAdministratorsOnlyMixin, TOTPDeviceAdmin):
    """Authenticator apps: listed for system administrators, never made, changed or shown (key, QR code) here.
    Each person sets theirs up at login; a lost one is reset from the account's page (accounts/services.py)."""

    list_display = ["user", "name", "created_at", "last_used_at", "confirmed"]

    def get_list_display(self, request):
        return self.list_display

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ["user", "name", "confirmed", "created_at", "last_used_at"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=User.objects.visible_to(request.user))

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def config_view(self, request, pk):
        raise PermissionDenied

    def qrcode_view(self, request, pk):
        raise PermissionDenied


@admin.register(Group)
class RoleAdmin(SystemAdministratorsOnlyMixin, DjangoGroupAdmin):
    """Roles and their permissions (accounts/roles.py is their source): system administrators only."""


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
