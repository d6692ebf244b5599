"""The demo's tracing part: a believable investigation (tens of contacts, not the whole town), an F2 run,
follow-up under way, messages in the outbox and a cluster; quick enough for `make run`."""

import time

from django.core.management import call_command


def test_demo_traces_a_believable_outbreak_quickly(geo, tmp_path, settings):
    from epiqr.accounts.models import User
    from epiqr.core import demo
    from epiqr.notify.models import OutboundMessage
    from epiqr.people.models import Person
    from epiqr.tracing.models import FollowUp, TracingRun
    from epiqr.tracing.selectors import cluster_list

    settings.VAR_DIR = tmp_path
    timings: dict[str, float] = {}
    real_import = demo.import_module

    def timed_import(name):
        module = real_import(name)
        if name in ("epiqr.cases.demo", "epiqr.tracing.demo"):
            populate = module.populate

            class Timed:
                @staticmethod
                def populate(world):
                    t = time.perf_counter()
                    populate(world)
                    timings[name] = time.perf_counter() - t

            return Timed
        return module

    demo.import_module = timed_import
    try:
        call_command("demo")
    finally:
        demo.import_module = real_import

    population = Person.objects.count()
    runs = list(TracingRun.objects.all())
    assert len(runs) == 3
    for run in runs:
        assert 1 <= run.contact_count <= population // 10, (run.contact_count, population)
    f2_run = next(r for r in runs if r.degree == 2)
    degrees = set(f2_run.contacts.values_list("degree", flat=True))
    assert degrees == {1, 2}
    assert any(r.contacts.exclude(status=FollowUp.TO_CALL).exists() for r in runs)
    assert OutboundMessage.objects.filter(template__startswith="tracing_f").exists()
    clusters = cluster_list(user=User.objects.get(username="demo-tinh"))
    assert any(len(c["cases"]) >= 2 for c in clusters)
    # Under ~5 s on the shared development machine; the bound leaves room for its load.
    assert sum(timings.values()) < 15, timings
