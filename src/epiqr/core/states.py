"""State machines as data (DESIGN.md): each machine is a `TRANSITIONS` table {state: states it may move
to} next to its one guard service, which calls `transition_check` before it writes the move and its
history (tube status in testing, a contact's follow-up in tracing, and every machine to come)."""

from collections.abc import Collection, Mapping

from django.db.models import TextChoices
from django.utils.translation import gettext as _

from .errors import Conflict, Invalid


def transition_check(
    transitions: Mapping[str, Collection[str]],
    *,
    states: type[TextChoices],
    current: str,
    to: str,
    refused: str,
    code: str,
    **params,
) -> None:
    """Refuse a move the table does not list: Invalid (field "status") for a state that does not exist,
    else Conflict with `code` and the `refused` message, formatted with the two states' labels as
    %(from)s and %(to)s and any `params` (a tube's barcode)."""
    if to not in states.values:
        raise Invalid(_("Unknown status."), field="status", code="bad_status")
    if to not in transitions.get(current, ()):
        raise Conflict(refused % {**params, "from": states(current).label, "to": states(to).label}, code=code)
