"""Staff sessions end after EPIQR_STAFF_IDLE_MINUTES without a request; citizens' devices are not logins."""

import time

from epiqr.accounts.middleware import LAST_SEEN_KEY
from epiqr.core.permissions import Role


def age_session(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_staff_session_ends_with_a_message(client, make_user, settings):
    settings.EPIQR_STAFF_IDLE_MINUTES = 30
    client.force_login(make_user(Role.COMMUNE_OFFICER))
    assert client.get("/people/").status_code == 200
    age_session(client, 29 * 60)
    assert client.get("/people/").status_code == 200  # active within the limit
    age_session(client, 31 * 60)
    response = client.get("/people/?q=An", follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/?next=%2Fpeople%2F%3Fq%3DAn"
    assert "30 phút không thao tác" in response.content.decode()
    assert client.get("/accounts/me/").status_code == 302


def test_an_idle_api_session_gets_401_but_tokens_are_not_sessions(client, make_user, api_client):
    user = make_user(Role.VENUE_OWNER)
    client.force_login(user)
    age_session(client, 3 * 3600)
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert api_client(user).get("/api/v1/accounts/me").status_code == 200


def test_the_idle_limit_is_configurable(client, make_user, settings):
    settings.EPIQR_STAFF_IDLE_MINUTES = 5
    client.force_login(make_user(Role.VENUE_OWNER))
    client.get("/accounts/me/")
    age_session(client, 6 * 60)
    assert client.get("/accounts/me/").status_code == 302


def test_a_citizens_device_cookie_is_not_touched_by_the_staff_idle_rule(client, make_user, settings):
    """The remembered device is a signed cookie, not a login: signing an idle staff session out on the
    same phone leaves it as it was."""
    from django.core import signing

    from epiqr.core import device

    value = signing.get_cookie_signer(salt=device.COOKIE + device.SALT).sign("p-made-up-1")
    client.cookies[device.COOKIE] = value
    client.force_login(make_user(Role.VENUE_OWNER))
    age_session(client, 3 * 3600)
    response = client.get("/accounts/me/")
    assert response.status_code == 302  # the staff session ended
    assert device.COOKIE not in response.cookies  # neither deleted nor rewritten
    assert client.cookies[device.COOKIE].value == value


def test_the_admin_login_page_is_our_two_step_login(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_htmx_request_of_an_idle_session_sends_the_page_to_the_login(client, make_user):
    client.force_login(make_user(Role.COMMUNE_OFFICER))
    age_session(client, 3 * 3600)
    response = client.get("/people/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/accounts/login/?next=")
