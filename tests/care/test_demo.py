"""The demo's facility coordinator logs in (password, then the demo app's code) and lands on /care/,
where routings to decide are waiting; other roles still land on the start page."""

from django.core.management import call_command
from django.test import Client


def _login(client, user):
    from epiqr.accounts.demo import demo_current_code
    from epiqr.core.demo import DEMO_PASSWORD

    first = client.post("/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD})
    assert first.status_code == 302 and first["Location"] == "/accounts/login/code/"
    return client.post("/accounts/login/code/", {"token": demo_current_code(user=user)})


def test_demo_dieu_phoi_lands_on_care_with_routings_to_decide(geo, tmp_path, settings):
    from epiqr.accounts.models import User

    settings.VAR_DIR = tmp_path
    call_command("demo", "--if-empty", "--scale", "0.2")
    coordinator = User.objects.get(username="demo-dieu-phoi")
    client = Client()
    response = _login(client, coordinator)
    assert response.status_code == 302 and response["Location"] == "/care/"
    page = client.get("/care/")
    assert page.status_code == 200 and page.context["proposed"]  # routings waiting for a decision
    officer = Client()
    assert _login(officer, User.objects.get(username="demo-xa"))["Location"] == "/"
