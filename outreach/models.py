from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Proof that Celery works: beat schedules the heartbeat task and a worker stamps `last_seen`."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return self.name
