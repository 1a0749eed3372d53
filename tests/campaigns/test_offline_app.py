"""The cadre app's manifest and service worker (campaigns/views/app.py); the browser test drives them offline."""

from django.urls import reverse

from campaigns.models import Visit
from grievances.models import Case

from .test_fieldwork_pages import households, posted, visit_post  # noqa: F401 - fixtures


def test_the_worker_and_manifest_are_served_to_anyone_and_hold_no_data(client):
    worker = client.get(reverse("work:service-worker"))
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert "no-cache" in worker["Cache-Control"]  # the browser checks for a new worker on every visit
    body = worker.content.decode()
    assert 'const SCOPE = "/work/"' in body and '"/static/js/offline.' in body  # the shell, by its hashed names
    manifest = client.get(reverse("work:manifest")).json()
    assert manifest["name"] == "干部下基层" and manifest["start_url"] == "/work/" and manifest["display"] == "standalone"


def test_only_a_cadres_work_pages_register_the_worker(client, cadre, supervisor):
    client.force_login(cadre)
    assert b"data-service-worker=" in client.get(reverse("work:home")).content
    assert b"data-service-worker=" not in client.get(reverse("dashboards:home")).content
    client.force_login(supervisor)
    assert b"data-service-worker=" not in client.get(reverse("dashboards:home")).content


def test_logging_out_tells_the_browser_to_forget_what_it_kept(client, cadre):
    client.force_login(cadre)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Clear-Site-Data"] == '"cache", "storage"'


def test_the_outbox_gets_json_a_resend_records_nothing_twice_and_a_refusal_says_why(client, posted, households):  # noqa: F811 - fixtures

    client.force_login(posted)
    session = client.get(reverse("work:outbox-session")).json()
    assert session["user"] == posted.pk and session["token"]
    entry = visit_post(households[0])
    sent = client.post(reverse("work:visit-new"), entry, headers={"X-Outbox": "sync"})
    assert sent.status_code == 201 and sent.json()["created"] is True
    again = client.post(reverse("work:visit-new"), entry, headers={"X-Outbox": "sync"})  # the phone did not hear the answer
    assert again.status_code == 201 and again.json() == {**sent.json(), "created": False}
    assert Visit.objects.count() == 1 and Case.objects.count() == 2
    refused = client.post(reverse("work:visit-new"), visit_post(households[0], diary=""), headers={"X-Outbox": "sync"})
    assert refused.status_code == 422 and any(reason.startswith("民情日记：") for reason in refused.json()["errors"])
    assert Visit.objects.count() == 1


def test_an_outbox_entry_of_a_signed_out_phone_is_not_taken(client, posted, households):  # noqa: F811 - fixtures

    response = client.post(reverse("work:visit-new"), visit_post(households[0]), headers={"X-Outbox": "sync"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]  # kept on the phone
    assert client.get(reverse("work:outbox-session")).status_code == 302
    assert not Visit.objects.exists()
