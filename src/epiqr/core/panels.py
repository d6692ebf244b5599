"""Panels an upper domain adds to a lower domain's page, without the lower domain importing it.

The personal QR page (people) shows the health status that vaccination computes from cases, tracing and
testing; a check-in station (checkins) asks the domains above it whether to refuse someone at the door.
The page or the station names a slot; domains register functions for it in their `AppConfig.ready()`:

    panels.register("people.my_qr", status_panel)        # status_panel(request, person) -> HTML or ""
    panels.render("people.my_qr", request, person=p)     # in the people view: the HTML of every panel
    panels.register("checkins.door", red_status_refusal)  # refusal(person, venue) -> message or None
    panels.ask("checkins.door", person=p, venue=v)        # the first refusal, or None
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

_SLOTS: dict[str, list[Callable]] = {}


def register(slot: str, function: Callable) -> None:
    if function not in _SLOTS.setdefault(slot, []):
        _SLOTS[slot].append(function)


def render(slot: str, request, **kwargs) -> list[SafeString]:
    """The HTML each registered panel gives for this request (functions return escaped template output)."""
    out = []
    for function in _SLOTS.get(slot, ()):
        html = function(request, **kwargs)
        if html:
            out.append(mark_safe(html))  # noqa: S308 - rendered by Django templates, escaped there
    return out


def ask(slot: str, **kwargs):
    """The first non-empty answer of the slot's functions (a refusal message), or None."""
    for function in _SLOTS.get(slot, ()):
        answer = function(**kwargs)
        if answer:
            return answer
    return None
