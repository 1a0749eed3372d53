"""The cadre app's manifest and service worker (campaigns/views/app.py); the browser test drives them offline."""

from django.urls import reverse


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
