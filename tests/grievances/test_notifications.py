"""The inbox and the notification settings write only through grievances/notifications.py, each person
only their own rows, and showing a page writes nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grievances import notifications
from grievances.models import NotificationPreference, Reminder
from tests.clock import NOW, TODAY


def remind(case, user, threshold=3):
    return Reminder.objects.create(case=case, deadline=Reminder.Deadline.RESOLVE, due=TODAY, threshold=threshold, recipient=user)


def test_showing_the_settings_to_someone_who_never_chose_writes_nothing(client, handler):
    client.force_login(handler)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("grievances:notification-settings"))
    assert response.status_code == 200
    assert NotificationPreference.objects.count() == 0
    table = NotificationPreference._meta.db_table
    assert not [q["sql"] for q in queries if table in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")]
    form = response.context["form"]
    assert (form["email"].value(), form["webhook"].value(), form["daily_digest"].value()) == (True, True, False)  # the defaults


def test_saving_the_settings_keeps_one_row(client, handler):
    client.force_login(handler)
    url = reverse("grievances:notification-settings")
    assert client.post(url, {"email": "on", "daily_digest": "on"})["Location"] == reverse("grievances:inbox")
    assert client.post(url, {"webhook": "on"}).status_code == 302
    preference = NotificationPreference.objects.get()
    assert (preference.user, preference.email, preference.webhook, preference.daily_digest) == (handler, False, True, False)
    assert client.get(url).context["form"]["webhook"].value() is True  # shown as saved, still one row
    assert NotificationPreference.objects.count() == 1


def test_marking_read_goes_through_the_service(client, monkeypatch, assigned, handler):
    calls = []
    real = notifications.reminders_mark_read

    def recorded(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(notifications, "reminders_mark_read", recorded)
    one, two = remind(assigned, handler, 3), remind(assigned, handler, 0)
    client.force_login(handler)
    assert client.post(reverse("grievances:inbox-read", args=[one.pk]))["Location"] == reverse("grievances:detail", args=[assigned.pk])
    assert client.post(reverse("grievances:inbox-read-all"))["Location"] == reverse("grievances:inbox")
    assert calls == [{"actor": handler, "pk": one.pk}, {"actor": handler}]
    assert Reminder.objects.filter(pk__in=[one.pk, two.pk], read_at__isnull=True).count() == 0


def test_no_one_marks_anothers_reminders(client, assigned, handler, leader):
    theirs = remind(assigned, leader)
    client.force_login(handler)
    assert client.post(reverse("grievances:inbox-read", args=[theirs.pk])).status_code == 404
    client.post(reverse("grievances:inbox-read-all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("pk", [None, "own"])
def test_the_service_marks_only_the_actors_unread_reminders(assigned, handler, leader, pk):
    mine, earlier, theirs = remind(assigned, handler, 3), remind(assigned, handler, 0), remind(assigned, leader)
    Reminder.objects.filter(pk=earlier.pk).update(read_at=NOW.replace(hour=8))
    marked = notifications.reminders_mark_read(actor=handler, pk=mine.pk if pk else None, now=NOW)
    assert marked == 1
    assert Reminder.objects.get(pk=mine.pk).read_at == NOW
    assert Reminder.objects.get(pk=earlier.pk).read_at == NOW.replace(hour=8)  # already read: keeps its time
    assert Reminder.objects.get(pk=theirs.pk).read_at is None
