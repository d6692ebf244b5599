"""Weak passwords are refused everywhere an account is made; guessing is throttled by django-axes."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from epiqr.accounts import services
from epiqr.core.errors import Invalid
from epiqr.core.permissions import Role
from tests.factories import PASSWORD, otp_code

LOGIN = "/accounts/login/"


def test_createuser_refuses_a_weak_password_with_the_reason(db):
    with pytest.raises(CommandError) as exc:
        call_command("createuser", "can-bo-moi", "--role", "commune_officer", "--password", "a")
    assert "ít nhất" in str(exc.value)  # "at least N characters", in Vietnamese
    assert not services.User.objects.filter(username="can-bo-moi").exists()


@pytest.mark.parametrize("password", ["shopshop", "1234567890123", "password123", "can-bo-xa-1"])
def test_officers_need_twelve_characters_not_common_not_numeric(db, password):
    with pytest.raises(Invalid):
        services.user_create(username="can-bo-xa-1", password=password, role=Role.COMMUNE_OFFICER)


def test_a_venue_owner_needs_ten_and_an_officer_twelve(db):
    services.user_create(username="chu-quan-a", password="lua-gao-7x", role=Role.VENUE_OWNER)
    with pytest.raises(Invalid) as exc:
        services.user_create(username="can-bo-b", password="lua-gao-7x", role=Role.COMMUNE_OFFICER)
    assert "12" in exc.value.message
    services.user_create(username="can-bo-c", password="lua-gao-7x-ba-vi", role=Role.COMMUNE_OFFICER)


def test_the_public_venue_sign_up_refuses_shopshop(client, commune):
    page = client.post(
        "/venues/register/",
        {
            "username": "chu-tiem-thu",
            "password": "shopshop",
            "full_name": "Nguyễn Thị Thử",
            "owner_phone": "0912345678",
            "name": "Tiệm Thử Nghiệm",
            "sector": "food",
            "address": "1 Phố Thử",
            "commune": commune.pk,
        },
    )
    body = page.content.decode()
    assert page.status_code in (200, 422) and "quá ngắn" in body
    assert "Tiệm Thử Nghiệm" in body  # what was typed is kept
    assert not services.User.objects.filter(username="chu-tiem-thu").exists()


def wrong(client, username, n):
    for _i in range(n):
        client.post(LOGIN, {"username": username, "password": "sai-mat-khau-1"})


def test_five_wrong_passwords_lock_the_login_even_for_the_right_password(client, make_user):
    owner = make_user(Role.VENUE_OWNER)
    wrong(client, owner.username, 5)
    locked = client.post(LOGIN, {"username": owner.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Tạm khoá đăng nhập" in locked.content.decode() and "15 phút" in locked.content.decode()
    assert client.get("/accounts/me/").status_code == 302
    # from another address, the login name is locked too
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert elsewhere.post(LOGIN, {"username": owner.username, "password": PASSWORD}).status_code == 429


def test_an_administrator_unlocks_with_the_command(client, make_user):
    owner = make_user(Role.VENUE_OWNER)
    wrong(client, owner.username, 5)
    call_command("axes_reset_username", owner.username)
    ok = client.post(LOGIN, {"username": owner.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_one_address_trying_many_names_is_locked(client, make_user):
    for n in range(5):
        client.post(LOGIN, {"username": f"khong-co-{n}", "password": "sai-mat-khau-1"})
    owner = make_user(Role.VENUE_OWNER)
    assert client.post(LOGIN, {"username": owner.username, "password": PASSWORD}).status_code == 429
    other_address = Client(REMOTE_ADDR="10.1.2.3")
    assert other_address.post(LOGIN, {"username": owner.username, "password": PASSWORD}).status_code == 302


def test_the_forwarded_address_counts_only_as_far_as_our_proxy(settings, make_user):
    """Behind one proxy a client cannot escape the count by writing its own X-Forwarded-For."""
    settings.EPIQR_PROXY_COUNT = 1
    owner = make_user(Role.VENUE_OWNER)
    for n in range(5):
        c = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9")
        c.post(LOGIN, {"username": f"khong-co-{n}", "password": "sai-mat-khau-1"})
    same_client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.9")
    assert same_client.post(LOGIN, {"username": owner.username, "password": PASSWORD}).status_code == 429
    another = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert another.post(LOGIN, {"username": owner.username, "password": PASSWORD}).status_code == 302


def test_wrong_second_factor_codes_count_and_lock(client, make_user, commune):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.post(LOGIN, {"username": officer.username, "password": PASSWORD})
    right = otp_code(officer)
    bad = "000000" if right != "000000" else "111111"
    statuses = [client.post("/accounts/login/code/", {"token": bad}).status_code for _i in range(5)]
    assert statuses[-1] == 429
    assert client.post("/accounts/login/code/", {"token": otp_code(officer)}).status_code == 429
    assert client.get("/accounts/me/").status_code == 302
    fresh = Client(REMOTE_ADDR="10.4.4.4")
    assert fresh.post(LOGIN, {"username": officer.username, "password": PASSWORD}).status_code == 429


def test_api_tokens_cannot_be_guessed(make_user):
    """Not throttled like passwords because there is nothing to guess: 192 random bits, hash compared
    in constant time, and a wrong secret for a real prefix fails like a wrong prefix."""
    from epiqr.accounts.services import api_token_authenticate, api_token_create

    token = api_token_create(user=make_user(Role.VENUE_STAFF))
    prefix, secret = token.split(".")
    assert len(secret) >= 32  # token_urlsafe(24): 24 random bytes
    wrong_last = "x" if secret[-1] != "x" else "y"  # a secret may end in "x" itself (1 in 64)
    assert api_token_authenticate(raw=f"{prefix}.{secret[:-1]}{wrong_last}") is None
    assert api_token_authenticate(raw=f"{prefix}.") is None
    assert api_token_authenticate(raw=token) is not None


def test_the_admin_add_form_checks_the_password_against_the_chosen_role(client, make_user):
    client.force_login(make_user(Role.ADMIN))
    form = {
        "username": "can-bo-moi-2",
        "role": Role.COMMUNE_OFFICER,
        "usable_password": "true",
        "password1": "lua-gao-7x",
        "password2": "lua-gao-7x",
    }
    refused = client.post("/admin/accounts/user/add/", form)
    assert refused.status_code == 200 and "12 ký tự" in refused.content.decode()
    assert not services.User.objects.filter(username="can-bo-moi-2").exists()
    accepted = client.post(
        "/admin/accounts/user/add/",
        {**form, "password1": "lua-gao-7x-ba-vi", "password2": "lua-gao-7x-ba-vi"},
    )
    assert accepted.status_code == 302
    assert services.User.objects.get(username="can-bo-moi-2").role == Role.COMMUNE_OFFICER


def test_the_product_stores_passwords_with_a_slow_salted_hash():
    """The tests hash with one round of MD5 (tests/conftest.py) for speed; the product itself keeps
    Django's PBKDF2 first, at its full round count, and can still read the slower-to-crack formats."""
    from django.conf import global_settings
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

    from epiqr import settings as product

    hashers = getattr(product, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert "django.contrib.auth.hashers.MD5PasswordHasher" not in hashers
    stored = make_password("lua-gao-7x-ba-vi", hasher=PBKDF2PasswordHasher())
    algorithm, rounds, salt, digest = stored.split("$")
    assert algorithm == "pbkdf2_sha256" and int(rounds) >= 1_000_000 and len(salt) >= 16
