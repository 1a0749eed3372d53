"""`make run` serves with DEBUG on; a page that does not exist still answers the project's Chinese 404 page,
not Django's English debug page (core.middleware.NotFoundPageWithDebugMiddleware)."""

import pytest
from django.test import Client

from tests.factories import CampaignFactory

ENGLISH_DEBUG_PAGE = ("Page not found (404)", "URLconf", "DEBUG = True")


@pytest.fixture
def debug_client(settings):
    """A client whose middleware is loaded with DEBUG on, as `make run` loads it."""
    settings.DEBUG = True
    return Client()


def assert_chinese_404(response):
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "该页面不存在，或不在您的辖区范围内。" in html
    assert not any(text in html for text in ENGLISH_DEBUG_PAGE)


def test_with_debug_on_an_unknown_address_answers_the_chinese_404_page(db, debug_client):
    assert_chinese_404(debug_client.get("/no-such-page/"))


def test_with_debug_on_a_signed_in_user_gets_the_chinese_404_page_with_the_navigation(debug_client, campaign_admin):
    debug_client.force_login(campaign_admin)
    response = debug_client.get("/campaigns/no-such-page/")
    assert_chinese_404(response)
    assert 'href="/campaigns/imports/"' in response.content.decode()  # the admin's navigation


def test_with_debug_on_an_object_outside_the_jurisdiction_answers_the_chinese_404_page(debug_client, supervisor, regions):
    elsewhere = CampaignFactory(organiser_region=regions["township_b"])
    debug_client.force_login(supervisor)
    assert_chinese_404(debug_client.get(elsewhere.get_absolute_url()))


def test_with_debug_on_a_missing_slash_is_still_added(db, debug_client):
    response = debug_client.get("/campaigns")
    assert response.status_code == 301 and response["Location"] == "/campaigns/"


def test_with_debug_off_the_page_is_the_same(client, db):
    assert_chinese_404(client.get("/no-such-page/"))
