"""core.states.transition_check, the one rule of every state machine's guard (tubes, contacts' follow-up)."""

import pytest
from django.db.models import TextChoices

from epiqr.core.errors import Conflict, Invalid
from epiqr.core.states import transition_check


class Light(TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"


TRANSITIONS = {Light.RED: {Light.GREEN}, Light.GREEN: {Light.AMBER}, Light.AMBER: {Light.RED}}


def check(current, to):
    transition_check(
        TRANSITIONS,
        states=Light,
        current=current,
        to=to,
        refused="Light %(name)s cannot go from %(from)s to %(to)s.",
        code="light_status",
        name="A1",
    )


def test_a_listed_move_passes():
    for current, targets in TRANSITIONS.items():
        for to in targets:
            check(current, to)


def test_an_unlisted_move_is_a_conflict_naming_both_states():
    with pytest.raises(Conflict) as caught:
        check(Light.RED, Light.AMBER)
    assert caught.value.code == "light_status"
    assert caught.value.message == "Light A1 cannot go from Red to Amber."
    with pytest.raises(Conflict):
        check(Light.RED, Light.RED)  # staying put is a move too, refused unless listed


@pytest.mark.parametrize("to", ["blue", "", "RED"])
def test_a_state_that_does_not_exist_is_invalid(to):
    with pytest.raises(Invalid) as caught:
        check(Light.RED, to)
    assert caught.value.field == "status"
