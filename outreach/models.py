import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Proof that Celery works. Beat sends a heartbeat task to every queue and the worker that takes it
    stamps the row named after the queue; beat also stamps the row named BEAT itself as it ticks."""

    BEAT = "beat"

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return self.name

    @classmethod
    def stamp(cls, name: str) -> None:
        """The one write of a heartbeat: the worker (outreach.tasks.heartbeat) or beat says it is alive now."""
        cls.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})

    @classmethod
    def last_seen_of(cls, names) -> dict[str, datetime.datetime]:
        return dict(cls.objects.filter(name__in=names).values_list("name", "last_seen"))

    @staticmethod
    def is_fresh(last_seen: datetime.datetime | None) -> bool:
        """Stamped within two heartbeat periods and some slack: one missed beat is no alarm."""
        limit = datetime.timedelta(seconds=settings.HEARTBEAT_SECONDS * 2 + 10)
        return last_seen is not None and timezone.now() - last_seen <= limit
