"""A small quarantine world: an F0 (made-up people) whose run found F1 contacts in the officer's commune
and one in another commune."""

from datetime import datetime, timedelta

import pytest

from epiqr.core.timeutil import VN_TZ, local_today


@pytest.fixture
def qworld(db, commune, other_commune, make_user):
    from epiqr.cases.services import case_open
    from epiqr.tracing.models import Contact, TracingRun
    from tests.factories import PersonFactory

    f0 = PersonFactory(full_name="Nguyễn Văn An", commune=commune)
    case = case_open(person=f0, confirmed_on=local_today())
    now_ = datetime.now(VN_TZ)
    run = TracingRun.objects.create(case=case, degree=1, period_start=now_, period_end=now_)
    exposed = datetime.combine(local_today() - timedelta(days=2), datetime.min.time(), VN_TZ) + timedelta(
        hours=10
    )

    def contact(name, where=commune, degree=1):
        person = PersonFactory(full_name=name, commune=where, phone="0912345678")
        return Contact.objects.create(
            run=run, person=person, degree=degree, risk="high", first_exposed_at=exposed, commune=where
        )

    return {
        "case": case,
        "run": run,
        "binh": contact("Trần Thị Bình"),
        "chi": contact("Lê Minh Chi"),
        "dung": contact("Phạm Văn Dũng", where=other_commune),
        "officer": make_user("commune_officer", commune=commune, email="tram@example.test"),
        "elsewhere": make_user("commune_officer", commune=other_commune),
        "exposed_on": exposed.date(),
    }


@pytest.fixture
def quarantined(qworld, django_capture_on_commit_callbacks):
    """binh moved to 'quarantined' by the officer: the quarantine is placed by the reaction."""
    from epiqr.quarantine.models import Quarantine
    from epiqr.tracing.models import FollowUp
    from epiqr.tracing.services import contact_transition

    officer = qworld["officer"]
    with django_capture_on_commit_callbacks(execute=True):
        c = contact_transition(contact=qworld["binh"], to=FollowUp.REACHED, actor=officer)
        contact_transition(contact=c, to=FollowUp.QUARANTINED, actor=officer)
    return Quarantine.objects.get(contact=qworld["binh"])
