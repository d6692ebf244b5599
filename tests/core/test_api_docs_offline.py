"""The interactive API docs work on a network without internet: Swagger UI comes from the installed
django-ninja package, served by EpiQR itself, never from a CDN."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_docs_page_names_only_our_own_static_files(client: Client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    body = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle" in body and "/static/ninja/swagger-ui.css" in body
    assert "cdn" not in body.lower() and "https://" not in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_render_with_every_other_host_unreachable(desk_page, live_server, screenshot):
    blocked = []

    def only_this_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    desk_page.context.route("**/*", only_this_server)
    desk_page.goto(f"{live_server.url}/api/v1/docs")
    title = desk_page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "EpiQR API" in title.inner_text()
    desk_page.wait_for_selector(".swagger-ui .opblock")
    assert desk_page.locator(".swagger-ui .opblock").count() > 20  # every operation listed
    screenshot(desk_page, "offline")
    assert blocked == []
