"""A ticket's status machine, as data. Pure module, no Django.

    new ──assign──▶ assigned ──take──▶ in_progress ──resolve──▶ resolved
     │                 │  ▲                 │                       │
     │                 │  └──── hand back ──┘                       │
     └────────── cancel / resolve on the spot ──▶ cancelled ◀───────┘ (any open status)
    resolved, cancelled ──reopen──▶ assigned (or new when no team)

* new: filed, in the intake queue of the 1022 centre, no team yet.
* assigned: given to a team; in that team's queue, nobody working on it yet.
* in_progress: a member of the team (the assignee) works on it.
* resolved / cancelled: closed; reopening puts it back in its team's queue (or the intake queue).

`check(frm, to, has_team=, has_assignee=)` is the one guard: it names what is wrong, or returns None.
The services call it and write the history row in the same transaction.
"""

NEW, ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED = "new", "assigned", "in_progress", "resolved", "cancelled"
STATUSES = (NEW, ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED)
OPEN = (NEW, ASSIGNED, IN_PROGRESS)
CLOSED = (RESOLVED, CANCELLED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED),
    ASSIGNED: (ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED),  # assigned -> assigned: moved to another team
    IN_PROGRESS: (ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED),  # -> assigned: handed back to the queue
    RESOLVED: (ASSIGNED, NEW),  # reopen
    CANCELLED: (ASSIGNED, NEW),  # reopen
}


def gettext_noop(message: str) -> str:
    return message


def check(frm: str, to: str, *, has_team: bool, has_assignee: bool) -> str | None:
    """None when the move is allowed, else the reason (an English message id)."""
    if frm not in TRANSITIONS or to not in STATUSES:
        return gettext_noop("Unknown status.")
    if to not in TRANSITIONS[frm]:
        return gettext_noop("This request cannot go from this status to that one.")
    if to in (ASSIGNED, IN_PROGRESS) and not has_team:
        return gettext_noop("Choose the team that takes this request first.")
    if to == IN_PROGRESS and not has_assignee:
        return gettext_noop("Someone of the team must take this request.")
    if to == NEW and has_team:
        return gettext_noop("A request with a team goes back to that team's queue.")
    return None


def reopen_status(*, has_team: bool) -> str:
    return ASSIGNED if has_team else NEW
