"""The login form answers any login name with a page, never a server error."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", [151, 300, 5000])
def test_an_overlong_login_name_is_refused_like_a_wrong_password(client, length):
    response = client.post("/accounts/login/", {"username": "a" * length, "password": "x" * 20})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.wsgi_request.user.is_authenticated
