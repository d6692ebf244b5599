"""The demo: a day of requests, and the hotline logins land on real work."""

from django.core.management import call_command
from django.test import Client


def test_the_demo_has_a_day_of_requests_for_the_hotline_logins(geo, tmp_path, settings, capsys):
    from epiqr.accounts.models import User
    from epiqr.hotline.models import Status, Ticket

    settings.VAR_DIR = tmp_path
    call_command("demo", "--if-empty", "--scale", "0.2")
    assert "demo-1022" in capsys.readouterr().out
    assert Ticket.objects.count() >= 12
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {Status.ASSIGNED, Status.RESOLVED} <= statuses
    assert Ticket.objects.filter(history__kind="status").exists()

    operator = Client()
    operator.force_login(User.objects.get(username="demo-1022"))
    console = operator.get("/hotline/")
    assert console.status_code == 200
    assert sum(q.total for q in console.context["queues"]) > 0  # open requests to work on
    officer = Client()
    officer.force_login(User.objects.get(username="demo-xa"))
    queue = officer.get("/hotline/queue/")
    assert queue.status_code == 200 and queue.context["page"].count > 0
