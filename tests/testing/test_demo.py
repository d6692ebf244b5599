"""The demo: a sampling team, a lab and a citizen can go through the whole loop."""

import pytest

from epiqr.cases.models import Case
from epiqr.testing import demo
from epiqr.testing.models import Tube, TubeMember
from epiqr.testing.pools import Outcome

pytestmark = pytest.mark.django_db


def test_demo_has_a_pooled_positive_a_confirmed_positive_and_pending_tubes(
    commune, sampler, lab_tech, make_person, django_capture_on_commit_callbacks
):
    world = {
        "home_commune": commune,
        "users": {"demo-lay-mau": sampler, "demo-xet-nghiem": lab_tech},
        "people": [make_person() for _ in range(125)],
        "logins": [],
    }
    with django_capture_on_commit_callbacks(execute=True):
        demo.populate(world)
    assert TubeMember.objects.filter(outcome=Outcome.POOL_POSITIVE).count() == 10
    assert TubeMember.objects.filter(outcome=Outcome.RESAMPLE).count() == 10
    confirmed = TubeMember.objects.get(outcome=Outcome.POSITIVE)
    assert Case.objects.get(source="lab").person_id == confirmed.person_id
    assert Tube.objects.filter(status="closed").exists()  # still at the lab
    assert world["logins"] and "/testing/result/" in world["logins"][0][2]
