from epiqr.core.permissions import Role


def test_pages_need_login_but_home_is_public(client, db):
    assert client.get("/").status_code == 200
    response = client.get("/accounts/me/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_api_rejects_missing_or_bad_token(client, db):
    assert client.get("/api/v1/geo/communes?q=hoan kiem").status_code == 200  # deliberately public
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert client.get("/api/v1/accounts/me", headers={"Authorization": "Bearer nope.nope"}).status_code == 401


def test_token_created_on_profile_authenticates_the_api(client, make_user):
    user = make_user(Role.COMMUNE_OFFICER)
    client.force_login(user)
    page = client.post("/accounts/me/tokens/", {"name": "máy quét cổng 1"})
    token = page.context["new_token"]
    from django.test import Client

    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/accounts/me").json()["role"] == Role.COMMUNE_OFFICER
    client.post(f"/accounts/me/tokens/{token.split('.')[0]}/revoke/")
    assert api.get("/api/v1/accounts/me").status_code == 401


def test_healthz_reports_the_database(client, db):
    assert client.get("/healthz").json()["ok"] is True
