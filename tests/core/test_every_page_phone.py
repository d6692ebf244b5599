"""Every page works on a 390 px phone: walked in Chromium at 390x844 as the demo role that opens it
(tests/pages.py), no page is wider than the screen (a wide table scrolls inside itself, never the page),
and none breaks its Content-Security-Policy. Each page is visited once, by the first role that can open it.
"""

import pytest
from django.core.management import call_command
from django.test import Client

from tests import pages
from tests.conftest import csp_violations

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 390


def _first_opener() -> dict[str, tuple[str, str | None]]:
    """Each page name -> (url, login of the first role that gets it as HTML; None for the public)."""
    from epiqr.accounts.models import User

    found: dict[str, tuple[str, str | None]] = {}
    for login in (None, *pages.STAFF_LOGINS):
        user = User.objects.get(username=login) if login else None
        client = Client()
        if user is not None:
            pages.login(client, user)
        for page in pages.pages_for(user):
            if page.name in found:
                continue
            response = client.get(page.url)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                found[page.name] = (page.url, login)
    return found


def _session_cookie(login: str) -> str:
    from epiqr.accounts.models import User

    client = Client()
    pages.login(client, User.objects.get(username=login))  # the conftest marks the second factor passed
    return client.cookies["sessionid"].value


def test_every_page_fits_a_390px_phone(browser, live_server, reference_data):
    call_command("demo", "--scale", "0.1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    walk = _first_opener()
    assert len(walk) > 50, len(walk)  # the walk reached the pages of every role
    too_wide, broken = [], []
    by_login: dict[str | None, list[tuple[str, str]]] = {}
    for name, (url, login) in sorted(walk.items()):
        by_login.setdefault(login, []).append((name, url))
    for login, visits in by_login.items():
        context = browser.new_context(
            viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
        )
        if login is not None:
            context.add_cookies(
                [{"name": "sessionid", "value": _session_cookie(login), "url": live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(30000)
        violations = csp_violations(page)
        for name, url in visits:
            page.goto(live_server.url + url, wait_until="load")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH + 1:
                too_wide.append(f"{name} as {login or 'a citizen'}: {width} px ({url})")
            if violations:
                broken.append(f"{name} as {login or 'a citizen'}: {violations[:1]}")
                violations.clear()
        context.close()
    assert not too_wide, "Pages wider than a 390 px phone:\n" + "\n".join(too_wide)
    assert not broken, "Pages that broke their Content-Security-Policy:\n" + "\n".join(broken)
