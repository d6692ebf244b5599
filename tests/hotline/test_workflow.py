"""The status machine as data (no database)."""

import pytest

from epiqr.hotline import workflow as w


@pytest.mark.parametrize(
    ("frm", "to", "team", "assignee", "allowed"),
    [
        (w.NEW, w.ASSIGNED, True, False, True),
        (w.NEW, w.ASSIGNED, False, False, False),  # no team to be assigned to
        (w.NEW, w.IN_PROGRESS, True, True, True),
        (w.NEW, w.IN_PROGRESS, True, False, False),  # nobody took it
        (w.NEW, w.RESOLVED, False, False, True),  # answered during the call
        (w.ASSIGNED, w.IN_PROGRESS, True, True, True),
        (w.IN_PROGRESS, w.ASSIGNED, True, False, True),  # handed back
        (w.IN_PROGRESS, w.RESOLVED, True, True, True),
        (w.RESOLVED, w.ASSIGNED, True, False, True),  # reopened
        (w.RESOLVED, w.NEW, False, False, True),
        (w.RESOLVED, w.NEW, True, False, False),  # a team's request reopens in its queue
        (w.RESOLVED, w.IN_PROGRESS, True, True, False),
        (w.CANCELLED, w.RESOLVED, True, False, False),
        (w.RESOLVED, w.CANCELLED, True, False, False),
        (w.NEW, "lost", False, False, False),
    ],
)
def test_the_guard(frm, to, team, assignee, allowed):
    assert (w.check(frm, to, has_team=team, has_assignee=assignee) is None) is allowed


def test_every_status_can_be_left_and_closed_ones_only_by_reopening():
    assert set(w.TRANSITIONS) == set(w.STATUSES)
    for status in w.CLOSED:
        assert set(w.TRANSITIONS[status]) <= {w.NEW, w.ASSIGNED}
    for status in w.OPEN:
        assert {w.RESOLVED, w.CANCELLED} <= set(w.TRANSITIONS[status])


def test_reopening_goes_back_to_the_team_or_the_intake():
    assert w.reopen_status(has_team=True) == w.ASSIGNED
    assert w.reopen_status(has_team=False) == w.NEW
