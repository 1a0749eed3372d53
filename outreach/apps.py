from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Project-wide operational pieces: the Celery heartbeat, health of the services."""

    name = "outreach"
    verbose_name = _("System")
