"""Every redirect target taken from a request stays on this site (`core.http.safe_next`)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiqr.core.http import safe_next
from epiqr.core.permissions import Role
from tests.factories import PASSWORD, otp_code

HOSTILE = [
    "//evil.example",
    "//evil.example/accounts/login/",
    "https://evil.example",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "///evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https:evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_targets_fall_back(value):
    assert safe_next(value, fallback="/home") == "/home"


@pytest.mark.parametrize("value", ["/people/", "/testing/tubes/T1/?x=1#r", "/tracing/runs/3/"])
def test_local_paths_are_kept(value):
    assert safe_next(value) == value


@given(st.text(max_size=60))
def test_anything_accepted_is_a_local_path(value):
    out = safe_next(value, fallback="/")
    assert out == "/" or (out.startswith("/") and not out.startswith("//") and "\\" not in out)


@pytest.mark.parametrize("value", HOSTILE[:8])
def test_the_login_never_redirects_off_site(client, make_user, value):
    owner = make_user(Role.VENUE_OWNER)
    response = client.post(
        "/accounts/login/", {"username": owner.username, "password": PASSWORD, "next": value}
    )
    assert response.status_code == 302 and response["Location"] == "/"

    officer = make_user(Role.COMMUNE_OFFICER)
    other = type(client)()
    other.post("/accounts/login/", {"username": officer.username, "password": PASSWORD, "next": value})
    response = other.post("/accounts/login/code/", {"token": otp_code(officer)})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_login_keeps_a_local_next(client, make_user):
    owner = make_user(Role.VENUE_OWNER)
    response = client.post(
        "/accounts/login/", {"username": owner.username, "password": PASSWORD, "next": "/venues/"}
    )
    assert response["Location"] == "/venues/"


@pytest.mark.parametrize("value", HOSTILE[:8])
def test_logout_and_language_switch_never_redirect_off_site(client, make_user, value):
    client.force_login(make_user(Role.VENUE_OWNER))
    switched = client.post("/i18n/setlang/", {"language": "en", "next": value})
    assert not switched["Location"].startswith(("//", "http", "javascript", "/\\"))
    out = client.post(f"/accounts/logout/?next={value}")
    assert not out["Location"].startswith(("//", "http", "javascript", "/\\"))
