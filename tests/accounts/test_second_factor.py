"""The real login, with no test shortcut: password, then the authenticator app (or a recovery code).

Roles that read personal data (officers, sampling, lab, hotline, administrators) cannot get a session
with the password alone; the others log in with the password."""

import subprocess
import sys

import pytest
from django.test import Client

from epiqr.accounts import services
from epiqr.core.permissions import REGISTRY, Role, needs_second_factor, roles_needing_second_factor
from tests.factories import PASSWORD, otp_code

LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
ENROL = "/accounts/login/app/"


def password_step(client, user, password=PASSWORD, next_=""):
    data = {"username": user.username, "password": password}
    if next_:
        data["next"] = next_
    return client.post(LOGIN, data)


def logged_in(client) -> bool:
    return client.get("/accounts/me/").status_code == 200


def test_the_roles_that_need_a_second_factor_come_from_the_capability_registry():
    needing = roles_needing_second_factor()
    assert needing == {
        Role.COMMUNE_OFFICER,
        Role.PROVINCE_OFFICER,
        Role.SAMPLER,
        Role.LAB_TECH,
        Role.HOTLINE_OPERATOR,
        Role.VACCINATOR,  # doses, screenings and certificates of the people vaccinated
        Role.FACILITY_COORDINATOR,  # the hotline's medical team reads the callers' requests
        Role.CHECKPOINT_OFFICER,  # the registry lookup behind a permit: name, birth, residence, status
        Role.ORGANISATION,  # its staff's ID numbers, phones and permits
        Role.ADMIN,
    }
    for cap in REGISTRY.values():
        if cap.personal_data:
            assert cap.roles <= needing, cap.name
    for name in ("people.view", "tracing.view", "tracing.export", "testing.result", "cases.view"):
        assert REGISTRY[name].personal_data, name


@pytest.mark.parametrize("role", [Role.COMMUNE_OFFICER, Role.LAB_TECH, Role.SAMPLER, Role.ADMIN])
def test_a_password_alone_opens_nothing_for_a_role_that_reads_personal_data(client, make_user, commune, role):
    user = make_user(role, commune=commune)
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"] == CODE
    assert not logged_in(client)
    assert client.get("/people/").status_code == 302
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_the_app_code_completes_the_login_and_goes_to_next(client, make_user, commune):
    user = make_user(Role.COMMUNE_OFFICER, commune=commune)
    password_step(client, user, next_="/people/")
    page = client.get(CODE)
    assert page.status_code == 200 and "ứng dụng xác thực" in page.content.decode()
    wrong = client.post(CODE, {"token": "000000" if otp_code(user) != "000000" else "111111"})
    assert wrong.status_code == 200 and not logged_in(client)
    assert "Mã không đúng" in wrong.content.decode()
    response = client.post(CODE, {"token": otp_code(user)})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    assert client.get("/api/v1/accounts/me").json()["username"] == user.username


def test_a_code_is_accepted_once(client, make_user, commune):
    user = make_user(Role.COMMUNE_OFFICER, commune=commune)
    code = otp_code(user)
    password_step(client, user)
    assert client.post(CODE, {"token": code}).status_code == 302
    other = Client()
    password_step(other, user)
    assert other.post(CODE, {"token": code}).status_code == 200  # replayed: refused
    assert not logged_in(other)


def test_a_recovery_code_works_once_instead_of_the_app(client, make_user, commune):
    user = make_user(Role.LAB_TECH, commune=commune)
    codes = services.recovery_codes_create(user=user)
    assert len(codes) == 10 and len(set(codes)) == 10
    password_step(client, user)
    response = client.post(CODE, {"token": codes[0].upper()}, follow=True)
    assert response.status_code == 200 and logged_in(client)
    assert "còn 9" in response.content.decode()
    again = Client()
    password_step(again, user)
    assert again.post(CODE, {"token": codes[0]}).status_code == 200
    assert not logged_in(again)


def test_first_login_enrols_the_app_with_a_qr_and_a_typed_key_then_shows_recovery_codes(client, make_user):
    user = make_user(Role.PROVINCE_OFFICER)
    user.totpdevice_set.all().delete()
    assert password_step(client, user)["Location"] == CODE
    assert client.get(CODE)["Location"] == ENROL
    page = client.get(ENROL)
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "otp-key" in body
    assert "Cài đặt ứng dụng xác thực" in body
    device = user.totpdevice_set.get(confirmed=False)
    assert client.get(ENROL).context["key_groups"] == page.context["key_groups"]  # same key on reload
    assert client.post(ENROL, {"token": "12345"}).status_code == 200 and not logged_in(client)
    from django_otp.oath import totp

    done = client.post(ENROL, {"token": f"{totp(device.bin_key):06d}"})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert logged_in(client)
    assert user.totpdevice_set.get().confirmed


def test_enrolment_cannot_be_reached_without_the_password_step(client, db):
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_a_role_without_personal_data_logs_in_with_the_password(client, make_user):
    owner = make_user(Role.VENUE_OWNER)
    assert not needs_second_factor(owner)
    response = password_step(client, owner)
    assert response.status_code == 302 and response["Location"] != CODE
    assert logged_in(client)


def test_a_session_without_the_second_factor_is_signed_out(client, make_user, commune):
    """Sessions made any other way (or an account whose role was raised) are refused too."""
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    Client._login(client, officer, "django.contrib.auth.backends.ModelBackend")  # no device proved
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not logged_in(client)

    owner = make_user(Role.VENUE_OWNER)
    client.force_login(owner)
    assert logged_in(client)
    owner.role = Role.COMMUNE_OFFICER
    owner.save()
    assert client.get("/accounts/me/").status_code == 302
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_the_demo_hint_is_development_only_and_production_cannot_turn_it_on(client, make_user, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user(Role.COMMUNE_OFFICER)
    TOTPDevice.objects.filter(user=user).update(name="demo")
    password_step(client, user)
    assert "data-demo-code" in client.get(CODE).content.decode()
    settings.EPIQR_DEMO_2FA_HINT = False
    page = client.get(CODE).content.decode()
    assert "data-demo-code" not in page
    assert not logged_in(client)  # the hint never skips the factor

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='epiqr.settings'; django.setup();"
        "from django.conf import settings; print(settings.EPIQR_DEMO_2FA_HINT)"
    )
    env = {
        "EPIQR_PRODUCTION": "1",
        "SECRET_KEY": "s" * 50,
        "EPIQR_SIGNING_KEY": "k" * 50,
        "EPIQR_KEYRING_SECRET": "r" * 50,
    }
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("EPIQR_DEMO")}
    started = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True
    )
    assert started.returncode == 0 and started.stdout.strip() == "False"  # off by default in production
    refused = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env, "EPIQR_DEMO_2FA_HINT": "1"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "EPIQR_DEMO_2FA_HINT" in refused.stderr


def test_the_demo_refuses_to_run_in_production(settings, db):
    from django.core.management import CommandError, call_command

    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo")


def test_an_administrator_resets_a_lost_second_factor(client, make_user, commune):
    from django.contrib.sessions.models import Session

    from epiqr.core.models import AuditEvent

    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    services.recovery_codes_create(user=officer)
    phone = Client()
    phone.force_login(officer)
    assert logged_in(phone)
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [officer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not officer.totpdevice_set.exists() and not officer.staticdevice_set.exists()
    assert AuditEvent.objects.filter(
        action="accounts.second_factor_reset", target_id=str(officer.pk)
    ).exists()
    assert not logged_in(phone)  # the session opened with the lost phone ended
    assert Session.objects.count() == 1  # the administrator's own
    fresh = Client()
    password_step(fresh, officer)
    assert fresh.get(CODE)["Location"] == ENROL


def test_a_new_sheet_of_recovery_codes_replaces_the_old_one(client, make_user):
    user = make_user(Role.SAMPLER)
    old = services.recovery_codes_create(user=user)
    client.force_login(user)
    page = client.post("/accounts/me/recovery-codes/")
    new = page.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    again = Client()
    password_step(again, user)
    assert again.post(CODE, {"token": old[0]}).status_code == 200 and not logged_in(again)


def test_the_profile_page_says_whether_the_app_is_set_up(client, make_user):
    client.force_login(make_user(Role.LAB_TECH))
    body = client.get("/accounts/me/").content.decode()
    assert "Đã cài ứng dụng xác thực" in body
