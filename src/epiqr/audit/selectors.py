"""The audit log as administrators read it: filtered by actor, action, person and time, paged."""

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort, day_from, day_until
from epiqr.core.models import AuditEvent, AuditPerson

ALERT = "audit.people_limit"  # the action of an alert event (services.alert_check)
PERSON_MATCHES = 200  # people a "person" filter may stand for (a name shared by many is narrowed first)


def event_list_visible_to(*, user) -> QuerySet[AuditEvent]:
    """Every event: the capability (administrators) is the scope; the log is national."""
    return AuditEvent.objects.select_related("actor")


def person_ids_matching(text: str) -> list[int]:
    """The people a typed ID number, phone, public id or name stands for (through the people selectors)."""
    from epiqr.people.models import Person
    from epiqr.people.selectors import person_search

    text = (text or "").strip()
    try:
        public_id = uuid.UUID(text)
    except ValueError:
        public_id = None
    if public_id is not None:
        qs = Person.objects.filter(public_id=public_id)
    else:
        qs = person_search(Person.objects.all(), query=text)
    return list(qs.order_by("pk").values_list("pk", flat=True)[:PERSON_MATCHES])


def _by_person(qs, text):
    ids = person_ids_matching(text)
    return qs.filter(pk__in=AuditPerson.objects.filter(person_id__in=ids).values("event_id"))


def _by_actor(qs, text):
    return qs.filter(actor__username__iexact=text.strip())


def _by_action(qs, text):
    return qs.filter(action__startswith=text.strip())


def _alerts(qs, value):
    return qs.filter(action=ALERT) if value == "yes" else qs


EVENTS = ListSpec(
    name="audit_events",
    filters=(
        Filter("person", gettext_lazy("Person read (ID number, phone, public id or name)"),
               kind=FilterKind.TEXT, apply=_by_person, prominent=True,
               placeholder=gettext_lazy("e.g. 001090123456 or 0912 345 678")),
        Filter("actor", gettext_lazy("Account (login name)"), kind=FilterKind.TEXT, apply=_by_actor,
               max_length=150),
        Filter("action", gettext_lazy("Action (or its beginning, e.g. tracing.)"), kind=FilterKind.TEXT,
               apply=_by_action, max_length=64),
        Filter("alerts", gettext_lazy("Alerts"), choices=(("yes", gettext_lazy("Alerts only")),),
               apply=_alerts),
        day_from("since", gettext_lazy("From day"), "at"),
        day_until("until", gettext_lazy("Until day"), "at"),
    ),
    sorts=(
        Sort("at", gettext_lazy("Time"), ("at", "id")),
        Sort("actor", gettext_lazy("Account"), ("actor", "at", "id")),
        Sort("action", gettext_lazy("Action"), ("action", "at", "id")),
    ),
    default_sort="-at",
    model=AuditEvent,
)  # fmt: skip
