from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User


class LoginForm(AuthenticationForm):
    """Django's login form with labels and messages for our users."""

    error_messages = {
        "invalid_login": _("Wrong username or password. Note that the password is case-sensitive."),
        "inactive": _("This account has been disabled. Ask your administrator."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["username"].widget.attrs["autocapitalize"] = "none"

    def clean_username(self):
        # Django's form only sets maxlength in the HTML; a longer name is no account's, and the
        # lockout's records (255 characters) could not hold it.
        username = self.cleaned_data["username"]
        if len(username) > User._meta.get_field("username").max_length:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form with our labels, Bootstrap classes and the rules spelled out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and not self.has_error("new_password2") and self.user.check_password(new):
            self.add_error("new_password2", forms.ValidationError(_("Choose a password different from the current one."), code="password_unchanged"))
        return cleaned


class OneTimeCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from your authenticator app"), regex=r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": _("The code is the six digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 8}),
    )


class UnlockForm(OneTimeCodeForm):
    """Both factors at once, for an account or address whose logins are locked (accounts.views.unlock)."""

    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "username", "autocapitalize": "none"}))
    password = forms.CharField(label=_("Password"), strip=False, max_length=4096,
                               widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "current-password"}))
    field_order = ["username", "password", "code"]


# --- The admin's account forms: every change of powers goes through accounts/services.py -----------


def _actor_password_field():
    return forms.CharField(
        label=_("Your password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("A change of roles, unit, jurisdiction, status, password or two-factor login needs your own password again."),
    )


class _ActorForm:
    """A form an administrator fills in about an account; `actor` (the administrator) is set by the admin."""

    actor: User | None = None

    def _refuse(self, error):
        messages = error.messages if isinstance(error, ValidationError) else [str(error) or _("You may not make this change.")]
        for message in messages:
            self.add_error(None, message)

    def _confirm(self):
        try:
            services.confirm_actor_password(self.actor, self.cleaned_data.get("actor_password", ""))
        except ValidationError as error:
            self.add_error("actor_password", error)


class AdminAccountChangeForm(_ActorForm, UserChangeForm):
    """The admin's account form: the changes are checked by services.check_user_change, and a change of
    powers asks for the administrator's password."""

    reset_two_factor = forms.BooleanField(
        label=_("Reset two-factor login"), required=False,
        help_text=_("Removes the account's authenticator app (a lost phone): its owner sets one up again at the next login."),
    )
    actor_password = _actor_password_field()

    def account_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in self.cleaned_data}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            powers = services.check_user_change(
                self.actor, self.instance, self.account_changes(), roles=cleaned.get("groups"),
                permissions=cleaned.get("user_permissions"), reset_two_factor=bool(cleaned.get("reset_two_factor")),
            )
        except (PermissionDenied, ValidationError) as error:
            self._refuse(error)
        else:
            if powers:
                self._confirm()
        return cleaned


class AdminAccountCreationForm(_ActorForm, AdminUserCreationForm):
    """A new account: unit and jurisdiction inside the administrator's, who confirms with their password."""

    actor_password = _actor_password_field()

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the new values
        if self.errors:
            return
        try:
            services.check_user_create(self.actor, self.instance)
        except (PermissionDenied, ValidationError) as error:
            self._refuse(error)
        else:
            self._confirm()


class AdministratorSetPasswordForm(_ActorForm, AdminPasswordChangeForm):
    """A password set by an administrator is known to them: the user must choose another at the next login.
    Only for an account the administrator may manage (or their own), confirmed with their own password."""

    actor_password = _actor_password_field()

    def clean(self):
        cleaned = super().clean()
        try:
            services.check_password_set(self.actor, self.user)
        except PermissionDenied as error:
            self._refuse(error)
        else:
            self._confirm()
        return cleaned

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        self.user = services.user_set_password(actor=self.actor, user_id=self.user.pk, password=password,
                                               confirm_password=self.cleaned_data["actor_password"])
        return self.user
