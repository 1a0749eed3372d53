"""Beat's scheduler: django-celery-beat's, except that settings never overwrite what admins changed."""

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler


class Scheduler(DatabaseScheduler):
    """The settings' CELERY_BEAT_SCHEDULE is installed for entries the database does not have yet;
    an entry an admin edited (interval, enabled) keeps its edits across restarts."""

    def update_from_dict(self, mapping):
        existing = set(PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True))
        super().update_from_dict({name: entry for name, entry in mapping.items() if name not in existing})
