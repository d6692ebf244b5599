from django.core.management import call_command


def test_demo_builds_a_world_to_click_through_and_runs_once(geo, tmp_path, settings, capsys):
    """What `make run` does on first start: every domain adds its part, logins are printed."""
    from epiqr.accounts.models import User
    from epiqr.cases.models import Case
    from epiqr.checkins.models import CheckIn
    from epiqr.people.models import Person
    from epiqr.testing.models import Tube
    from epiqr.tracing.models import TracingRun
    from epiqr.venues.models import Venue

    settings.VAR_DIR = tmp_path
    call_command("demo", "--if-empty", "--scale", "0.1")
    out = capsys.readouterr().out
    assert "demo-xa" in out and "epiqr-2021-tour" in out
    assert User.objects.filter(username="demo-chu-quan").exists()
    counts = {
        "people": Person.objects.count(),
        "venues": Venue.objects.count(),
        "checkins": CheckIn.objects.count(),
        "cases": Case.objects.count(),
        "runs": TracingRun.objects.count(),
        "tubes": Tube.objects.count(),
    }
    assert all(n > 0 for n in counts.values()), counts

    call_command("demo", "--if-empty")
    assert "already loaded" in capsys.readouterr().out
    assert Person.objects.count() == counts["people"]
