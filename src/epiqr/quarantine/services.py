"""Writes of the quarantine domain: placing a contact in quarantine by policy, the symptom diary, the
call log, ending a quarantine, and a positive contact made a case in one step."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_officers, user_in_jurisdiction
from epiqr.cases.models import Case
from epiqr.cases.selectors import person_recovered_from
from epiqr.core import events
from epiqr.core.errors import Conflict, Invalid, NotFound
from epiqr.core.permissions import check_capability
from epiqr.core.services import audit_record
from epiqr.core.timeutil import local, local_today
from epiqr.notify.services import message_send_template, message_send_to_officers
from epiqr.tracing import selectors as tracing_selectors
from epiqr.tracing import services as tracing_services
from epiqr.tracing.models import FollowUp
from epiqr.vaccination import schedules
from epiqr.vaccination.selectors import prior_doses

from . import permissions, policy
from .events import QUARANTINE_DIARY_MISSED, QUARANTINE_ENDED, QUARANTINE_STARTED, QUARANTINE_SYMPTOMS
from .models import (
    FEVER_FROM,
    Call,
    DiaryEntry,
    History,
    HistoryKind,
    Outcome,
    Quarantine,
    Source,
    Status,
    Symptom,
)


def facts_for(*, person_id: int, last_exposure: date, identified_on: date) -> policy.Facts:
    """What the policy reads of a person: doses (vaccination's selector), the day the primary series was
    complete, a recovery (cases' selector)."""
    doses = prior_doses(person_id=person_id)
    complete_on = next(
        (doses[i - 1].day for i in range(1, len(doses) + 1) if schedules.primary_complete(doses[:i])), None
    )
    return policy.Facts(
        last_exposure=last_exposure,
        identified_on=identified_on,
        doses=tuple(d.day for d in doses),
        primary_complete_on=complete_on,
        recovered_on=person_recovered_from(person_id=person_id),
    )


def policy_chosen(*, on: date, name: str | None = None) -> policy.Policy:
    """The policy named (by the caller, else EPIQR_QUARANTINE_POLICY), else the one in force on `on`."""
    name = name or getattr(settings, "EPIQR_QUARANTINE_POLICY", "")
    if name:
        try:
            return policy.policy_named(name)
        except KeyError:
            raise Invalid(
                _("No quarantine policy is named “%(name)s”.") % {"name": name}, field="policy"
            ) from None
    return policy.policy_for(on)


def reasons_json(plan: policy.Plan) -> list[dict]:
    def plain(v):
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, tuple | list):
            return [plain(x) for x in v]
        return v

    return [{"code": r.code, "values": {k: plain(v) for k, v in r.values.items()}} for r in plan.reasons]


def _check(*, actor: User | None, quarantine: Quarantine, capability: str = permissions.FOLLOW) -> None:
    """Capability and scope, before any write (actor None: a reaction of the system itself)."""
    if actor is None:
        return
    check_capability(actor, capability)
    if not user_in_jurisdiction(user=actor, commune_id=quarantine.commune_id):
        raise NotFound(_("No such quarantine within your area."))


@transaction.atomic
def quarantine_place(
    *, contact_id: int, actor: User | None, policy_name: str | None = None, identified_on: date | None = None
) -> Quarantine:
    """Place a traced contact in quarantine by the policy in force (one quarantine per contact: placing
    it again gives the one placed). Emits `quarantine_started` after commit."""
    existing = Quarantine.objects.filter(contact_id=contact_id).first()
    if existing is not None:
        return existing
    contact = tracing_selectors.contact_get(contact_id=contact_id)
    if contact is None:
        raise Invalid(_("No such contact."), field="contact")
    if actor is not None:
        check_capability(actor, permissions.FOLLOW)
        if not user_in_jurisdiction(user=actor, commune_id=contact.commune_id):
            raise Invalid(_("This contact lives outside your area."), field="contact")
    identified_on = identified_on or local_today()
    exposed_at = tracing_selectors.contact_last_exposure(contact_id=contact.pk) or contact.first_exposed_at
    last_exposure = min(local(exposed_at).date(), identified_on)
    chosen = policy_chosen(on=identified_on, name=policy_name)
    plan = policy.plan(
        chosen,
        facts_for(person_id=contact.person_id, last_exposure=last_exposure, identified_on=identified_on),
    )
    try:
        with transaction.atomic():
            q = Quarantine.objects.create(
                contact_id=contact.pk,
                person_id=contact.person_id,
                commune_id=contact.commune_id,
                source_case_id=contact.run.case_id,
                degree=contact.degree,
                policy=chosen.name,
                regime=plan.regime.code,
                last_exposure=plan.last_exposure,
                start=plan.start,
                end=plan.end,
                monitor_until=plan.monitor_until,
                follow_until=plan.monitor_until or plan.end or plan.start,
                test_days=[d.isoformat() for d in plan.test_days],
                reasons=reasons_json(plan),
                placed_by=actor if getattr(actor, "is_authenticated", False) else None,
                assignee=assignee_default(commune_id=contact.commune_id),
            )
    except IntegrityError:  # placed at the same moment by another request
        return Quarantine.objects.get(contact_id=contact_id)
    audit_record(actor=actor, action="quarantine.place", target=q, detail={"policy": chosen.name})
    events.emit(
        QUARANTINE_STARTED,
        quarantine_id=q.pk,
        person_id=q.person_id,
        start=q.start.isoformat(),
        end=q.end.isoformat() if q.end else None,
        follow_until=q.follow_until.isoformat(),
    )
    return q


def assignee_default(*, commune_id: int | None) -> User | None:
    """Round-robin over the commune team: the commune officer of the commune following the fewest active
    quarantines (ties: the first account made); None when the commune has no officer."""
    team = commune_officers(commune_id=commune_id)
    if not team:
        return None
    load = dict(
        Quarantine.objects.filter(status=Status.ACTIVE, assignee__in=team)
        .values_list("assignee_id")
        .annotate(n=models.Count("id"))
        .values_list("assignee_id", "n")
    )
    return min(team, key=lambda u: (load.get(u.pk, 0), u.pk))


@transaction.atomic
def quarantines_assign(*, actor: User, quarantine_ids: list[int], assignee_id: int | None) -> int:
    """Give quarantines to a member of their commune's team (or to nobody: `assignee_id` None). Capability,
    then scope (every quarantine in the actor's area, the assignee a commune officer of each one's
    commune) before anything is written; a history row for each; how many."""
    from .selectors import quarantine_list_visible_to

    check_capability(actor, permissions.FOLLOW)
    wanted = list(dict.fromkeys(quarantine_ids))
    if not wanted:
        raise Invalid(_("Tick the contacts to assign."), field="quarantine")
    found = list(quarantine_list_visible_to(user=actor).select_for_update(of=("self",)).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NotFound(_("No such quarantine within your area."))
    assignee = None
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        teams = {c: commune_officers(commune_id=c) for c in {q.commune_id for q in found}}
        strangers = [q.pk for q in found if assignee is None or assignee not in teams[q.commune_id]]
        if strangers:
            raise Invalid(
                _("Assign only to an officer of the contact's commune (#%(n)s).") % {"n": strangers[0]},
                field="assignee",
            )
    Quarantine.objects.filter(pk__in=[q.pk for q in found]).update(assignee=assignee)
    text = (assignee.get_full_name() or assignee.username) if assignee else _("nobody")
    History.objects.bulk_create(
        [History(quarantine=q, kind=HistoryKind.ASSIGNED, text=text, actor=actor) for q in found]
    )
    audit_record(
        actor=actor,
        action="quarantine.assign",
        target=None,
        row_count=len(found),
        detail={"assignee": assignee_id, "quarantines": wanted[:200]},
    )
    return len(found)


def _symptoms_clean(symptoms, temperature) -> tuple[list[str], Decimal | None]:
    known = set(Symptom.values)
    chosen = []
    for s in symptoms or ():
        if s not in known:
            raise Invalid(_("Unknown symptom “%(s)s”.") % {"s": str(s)[:40]}, field="symptoms")
        if s not in chosen:
            chosen.append(s)
    temp = None
    if temperature not in (None, ""):
        try:
            # A phone's keypad may type a decimal comma ("38,1").
            temp = Decimal(str(temperature).strip().replace(",", ".")).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            raise Invalid(_("Write the temperature as a number, e.g. 36.8."), field="temperature") from None
        if not Decimal("34") <= temp <= Decimal("43"):
            raise Invalid(_("A body temperature is between 34 and 43 °C."), field="temperature")
        if temp >= Decimal(str(FEVER_FROM)) and Symptom.FEVER not in chosen:
            chosen.insert(0, Symptom.FEVER.value)
    return [s for s in Symptom.values if s in chosen], temp


@transaction.atomic
def diary_record(
    *,
    quarantine: Quarantine,
    actor: User | None,
    source: str,
    symptoms: list[str] | tuple[str, ...] = (),
    temperature=None,
    note: str = "",
    day: date | None = None,
) -> DiaryEntry:
    """Record one day of the symptom diary (today by default; a day of the follow-up not in the future).
    By the contact themself (`source` self: the citizen page has proved who they are, actor None) or by
    the commune team on a call (`source` call: capability and scope checked). Symptoms flag the contact,
    tell the commune officers and emit `quarantine_symptoms`."""
    if source == Source.CALL:
        if actor is None:
            raise Invalid(_("A diary filled on a call needs the officer who called."), field="source")
        _check(actor=actor, quarantine=quarantine)
    elif source != Source.SELF:
        raise Invalid(_("Unknown source."), field="source")
    quarantine = Quarantine.objects.select_for_update().get(pk=quarantine.pk)
    today = local_today()
    day = day or today
    if quarantine.status != Status.ACTIVE:
        raise Conflict(_("This quarantine has ended: its diary is closed."), code="ended")
    if day > today:
        raise Invalid(_("The diary cannot be filled for a day still to come."), field="day")
    if not quarantine.start <= day <= quarantine.follow_until:
        raise Invalid(
            _("The diary covers %(start)s to %(end)s.")
            % {
                "start": quarantine.start.strftime("%d/%m/%Y"),
                "end": quarantine.follow_until.strftime("%d/%m/%Y"),
            },
            field="day",
        )
    chosen, temp = _symptoms_clean(symptoms, temperature)
    entry, _created = DiaryEntry.objects.update_or_create(
        quarantine=quarantine,
        day=day,
        defaults={
            "symptoms": chosen,
            "temperature": temp,
            "note": (note or "")[:300],
            "source": source,
            "by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    if chosen:
        from epiqr.core.timeutil import now

        first = quarantine.symptoms_at is None
        quarantine.symptoms_at = now()
        quarantine.save(update_fields=["symptoms_at"])
        events.emit(
            QUARANTINE_SYMPTOMS,
            quarantine_id=quarantine.pk,
            person_id=quarantine.person_id,
            day=day.isoformat(),
            symptoms=chosen,
        )
        if first or source == Source.SELF:
            message_send_to_officers(
                commune_id=quarantine.commune_id,
                template="quarantine_symptoms",
                context={
                    "quarantine": quarantine,
                    "day": day,
                    "symptoms": [str(Symptom(s).label) for s in chosen],
                    "base_url": settings.PUBLIC_BASE_URL,
                },
                related=quarantine,
            )
    return entry


def call_record(*, quarantine: Quarantine, actor: User, outcome: str, note: str = "") -> Call:
    """Log a call of the commune team to the contact (who, when, what came of it)."""
    _check(actor=actor, quarantine=quarantine)
    if outcome not in Outcome.values:
        raise Invalid(_("Choose what came of the call."), field="outcome")
    return Call.objects.create(quarantine=quarantine, by=actor, outcome=outcome, note=(note or "")[:300])


@transaction.atomic
def call_with_diary(
    *, quarantine: Quarantine, actor: User, outcome: str, note: str = "", diary: dict | None = None
) -> Call:
    """A call of the team, and the day's diary the contact gave on it (both or neither)."""
    call = call_record(quarantine=quarantine, actor=actor, outcome=outcome, note=note)
    if diary is not None:
        diary_record(
            quarantine=quarantine,
            actor=actor,
            source=Source.CALL,
            symptoms=diary.get("symptoms") or (),
            temperature=diary.get("temperature"),
            note=diary.get("note") or "",
        )
    return call


@transaction.atomic
def quarantine_end(
    *, quarantine: Quarantine, actor: User | None, reason: str, new_case: Case | None = None
) -> Quarantine:
    """End a quarantine (its days over, the contact became a case, or an officer's decision)."""
    _check(actor=actor, quarantine=quarantine)
    quarantine = Quarantine.objects.select_for_update().get(pk=quarantine.pk)
    if quarantine.status != Status.ACTIVE:
        raise Conflict(_("This quarantine has already ended."), code="ended")
    quarantine.status = Status.BECAME_CASE if reason == "became_case" else Status.ENDED
    quarantine.new_case = new_case
    quarantine.ended_on = local_today()
    quarantine.save(update_fields=["status", "new_case", "ended_on"])
    audit_record(actor=actor, action="quarantine.end", target=quarantine, detail={"reason": reason})
    events.emit(
        QUARANTINE_ENDED,
        quarantine_id=quarantine.pk,
        person_id=quarantine.person_id,
        ended_on=quarantine.ended_on.isoformat(),
        reason=reason,
    )
    return quarantine


# The follow-up moves from each state to 'tested' (tracing.services.TRANSITIONS holds the machine).
TO_TESTED: dict[str, tuple[str, ...]] = {
    FollowUp.TO_CALL.value: (FollowUp.REACHED.value, FollowUp.TESTED.value),
    FollowUp.UNREACHABLE.value: (FollowUp.REACHED.value, FollowUp.TESTED.value),
    FollowUp.REACHED.value: (FollowUp.TESTED.value,),
    FollowUp.QUARANTINED.value: (FollowUp.TESTED.value,),
    FollowUp.NEGATIVE.value: (FollowUp.TESTED.value,),
}


@transaction.atomic
def quarantine_open_case(*, quarantine: Quarantine, actor: User, confirmed_on: date | None = None) -> Case:
    """A contact who tested positive becomes a case in one step, through tracing's `contact_open_case`
    (which opens it through cases' `case_open`, source 'contact'): the follow-up is carried to
    'positive', the quarantine ends as 'became a case' and keeps the F0 who exposed them."""
    _check(actor=actor, quarantine=quarantine)
    if quarantine.status != Status.ACTIVE:
        raise Conflict(_("This quarantine has ended."), code="ended")
    contact = tracing_selectors.contact_get(contact_id=quarantine.contact_id)
    if contact is None:
        raise Conflict(_("The contact of this quarantine is gone."), code="no_contact")
    # Carried through tracing's follow-up states as they are today, to 'tested' (then 'positive').
    for step in TO_TESTED.get(contact.status, ()):
        contact = tracing_services.contact_transition(
            contact=contact, to=step, actor=actor, note="positive in quarantine"
        )
    case = tracing_services.contact_open_case(contact=contact, actor=actor, confirmed_on=confirmed_on)
    quarantine_end(quarantine=quarantine, actor=actor, reason="became_case", new_case=case)
    return case


def quarantines_complete(*, today: date | None = None) -> int:
    """End every active quarantine whose follow-up days are over (the daily sweep); returns how many."""
    today = today or local_today()
    done = 0
    for q in Quarantine.objects.filter(status=Status.ACTIVE, follow_until__lt=today - timedelta(days=0)):
        quarantine_end(quarantine=q, actor=None, reason="completed")
        done += 1
    return done


def quarantine_negative_test(*, contact_id: int, actor_id: int | None = None) -> Quarantine | None:
    """Tracing's follow-up of the contact reached "negative" (a test came back negative). The policy
    decides (`negative_test_ends`, False for every document cited: a negative alone never shortens a
    quarantine); either way the history says what the test changed, with the days left."""
    q = Quarantine.objects.filter(contact_id=contact_id, status=Status.ACTIVE).first()
    if q is None:
        return None
    chosen = policy.BY_NAME.get(q.policy)
    today = local_today()
    if chosen is not None and chosen.negative_test_ends:
        History.objects.create(
            quarantine=q,
            kind=HistoryKind.NEGATIVE_TEST,
            day=today,
            text=_("Negative test: the policy ends the quarantine with it."),
            actor_id=actor_id,
        )
        return quarantine_end(quarantine=q, actor=None, reason="completed")
    last = q.end or q.follow_until
    History.objects.create(
        quarantine=q,
        kind=HistoryKind.NEGATIVE_TEST,
        day=today,
        text=_(
            "Negative test: the quarantine continues until %(end)s, as the policy asks (a negative test "
            "alone does not shorten it; the officer may rule the person out if they were not a contact)."
        )
        % {"end": last.strftime("%d/%m/%Y")},
        actor_id=actor_id,
    )
    return q


@transaction.atomic
def quarantine_rule_out(*, quarantine: Quarantine, actor: User, reason: str) -> Quarantine:
    """The officer found the person was not a contact after all (a wrong match, a wrong time or place):
    the quarantine ends now as 'ruled_out', the reason written in the history. Capability and scope
    first; a reason is required."""
    _check(actor=actor, quarantine=quarantine)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the person is not a contact."), field="reason", code="reason_required")
    q = quarantine_end(quarantine=quarantine, actor=actor, reason="ruled_out")
    History.objects.create(
        quarantine=q, kind=HistoryKind.RULED_OUT, day=q.ended_on, text=reason[:500], actor=actor
    )
    return q


MISSED_ALERT_AFTER = 2  # days running without a diary entry before the officer is told


def diaries_chase(*, today: date | None = None) -> dict[str, int]:
    """The sweep of missed diary days (a day is missed once it is over, Vietnam time): a reminder to the
    contact's phone once per missed day, and after MISSED_ALERT_AFTER days running without an entry,
    once per silence, `quarantine_diary_missed` and a message to the assigned officer (else the commune's
    officers). Safe to run every hour and twice at once (one history row per quarantine, kind and day)."""
    today = today or local_today()
    yesterday = today - timedelta(days=1)
    counts = {"reminders": 0, "alerts": 0}
    active = Quarantine.objects.filter(
        status=Status.ACTIVE, start__lte=yesterday, follow_until__gte=yesterday - timedelta(days=1)
    ).select_related("person", "assignee")
    for q in active:
        filled = set(q.diary.values_list("day", flat=True))
        last = min(yesterday, q.follow_until)
        for back in range(MISSED_ALERT_AFTER):  # the missed days of the last two (older ones were chased)
            day = last - timedelta(days=back)
            if day < q.start or day in filled:
                continue
            if _chase_once(q, HistoryKind.REMINDER, day):
                counts["reminders"] += 1
                if q.person.phone:
                    message_send_template(
                        channel="sms",
                        recipient=q.person.phone,
                        template="quarantine_diary_reminder",
                        context={"quarantine": q, "day": day, "base_url": settings.PUBLIC_BASE_URL},
                        related=q,
                    )
        # The silence: the days running back from `last` without an entry.
        first = last
        while first - timedelta(days=1) >= q.start and first - timedelta(days=1) not in filled:
            first -= timedelta(days=1)
        if last in filled or (last - first).days + 1 < MISSED_ALERT_AFTER:
            continue
        told = q.history.filter(kind=HistoryKind.DIARY_MISSED, day__gte=first).exists()
        if not told and _chase_once(q, HistoryKind.DIARY_MISSED, last):
            counts["alerts"] += 1
            days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
            events.emit(
                QUARANTINE_DIARY_MISSED,
                quarantine_id=q.pk,
                person_id=q.person_id,
                days=[d.isoformat() for d in days],
            )
            _tell_officer(q, template="quarantine_diary_missed", context={"quarantine": q, "days": days})
    return counts


def _chase_once(q: Quarantine, kind: str, day: date) -> bool:
    """Write the sweep's history row for (quarantine, kind, day); False when it was written already."""
    try:
        with transaction.atomic():
            History.objects.create(quarantine=q, kind=kind, day=day)
    except IntegrityError:
        return False
    return True


def _tell_officer(q: Quarantine, *, template: str, context: dict) -> int:
    """The officer the quarantine is assigned to is told (email, else SMS); with none (or none reachable),
    every officer of the commune."""
    officer = q.assignee
    if officer is not None and officer.is_active:
        channel, recipient = ("email", officer.email) if officer.email else ("sms", officer.phone)
        if recipient:
            message_send_template(
                channel=channel,
                recipient=recipient,
                template=template,
                context={**context, "base_url": settings.PUBLIC_BASE_URL},
                related=q,
            )
            return 1
    return message_send_to_officers(
        commune_id=q.commune_id,
        template=template,
        context={**context, "base_url": settings.PUBLIC_BASE_URL},
        related=q,
    )
