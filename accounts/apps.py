from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and jurisdictions")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import audit  # noqa: F401 - connects the audit trail's receivers
        from .middleware import stamp_login_time

        user_logged_in.connect(stamp_login_time, dispatch_uid="accounts.stamp_login_time")
