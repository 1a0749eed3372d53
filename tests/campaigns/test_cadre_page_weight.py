"""A cadre page loads only what it needs on a weak network (issue 18, item 7): no Bootstrap JavaScript bundle,
no chart library, no htmx; and what it loads is what the service worker keeps (campaigns/views/app.py SHELL).
The figures on slow 3G are bench/field.py's; the navbar toggler that replaced Bootstrap's is tests/browser/test_nav_toggle.py."""

import re

import pytest
from django.templatetags.static import static
from django.urls import reverse

from campaigns.models import ImportJob
from campaigns.views.app import SHELL

from .test_fieldwork_pages import posted  # noqa: F401 - fixture

CADRE_PAGES = ["work:home", "work:visit-new", "work:households", "work:diary", "work:outbox"]


def static_files(html: str) -> set[str]:
    """The scripts and stylesheets a page loads from /static/."""
    return set(re.findall(r'<script[^>]* src="(/static/[^"]+)"', html)) | set(re.findall(r'<link[^>]* href="(/static/[^"]+)"', html))


@pytest.mark.parametrize("page", CADRE_PAGES)
def test_a_cadre_page_loads_no_bundle_no_charts_no_htmx_and_only_what_the_worker_keeps(client, posted, page):  # noqa: F811 - fixture
    client.force_login(posted)
    response = client.get(reverse(page))
    assert response.status_code == 200
    html = response.content.decode()
    for heavy in ("bootstrap.bundle", "echarts", "htmx"):
        assert heavy not in html
    loaded = static_files(html)
    assert static("js/nav.js") in loaded
    assert loaded <= {static(path) for path in SHELL}  # all there offline, none fetched again on a warm open


def test_the_import_page_alone_loads_htmx_for_its_progress(client, campaign_admin):
    job = ImportJob.objects.create(kind=ImportJob.Kind.HOUSEHOLDS, file="imports/roster.xlsx", original_name="roster.xlsx",
                                   uploaded_by=campaign_admin)
    client.force_login(campaign_admin)
    html = client.get(reverse("campaigns:import-detail", args=[job.pk])).content.decode()
    assert 'hx-get="' in html and static("vendor/htmx-2.0.11/htmx.min.js") in static_files(html)
    assert "htmx" not in client.get(reverse("campaigns:imports")).content.decode()
