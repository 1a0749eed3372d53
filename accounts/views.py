from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import PasswordChangeForm


class PasswordChange(auth_views.PasswordChangeView):
    """Choosing a new password; it also lifts a forced change (first login, administrator's password, expiry)."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["must_change_password", "password_changed_at"])
        messages.success(self.request, _("Your password has been changed."))
        return response
