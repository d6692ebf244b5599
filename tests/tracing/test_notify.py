"""Notify contacts: a preview with the count before anything is sent, each person told once per
exposure (a unique key in the outbox, whatever run, officer or click), and a daily cap per officer."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from epiqr.core.permissions import Role
from epiqr.notify.models import OutboundMessage
from epiqr.tracing import services
from epiqr.tracing.models import Contact

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def run(cafe_story):
    """F1 Bình, F2 Châu and Hà (overlap-15, degree 2); every one with a phone."""
    return services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def notify(client, run, follow=False, **data):
    return client.post(f"/tracing/runs/{run.pk}/notify/", {"channel": "sms", **data}, follow=follow)


def test_the_first_click_shows_who_gets_what_and_sends_nothing(run, admin, sent_messages):
    page = notify(login(admin), run)
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 tin nhắn sẽ được gửi" in html and "Gửi 3 tin nhắn" in html
    assert "Cà phê Giảng" in html  # the message as it will read
    assert sent_messages == [] and OutboundMessage.objects.count() == 0


def test_a_second_click_sends_nothing_again(run, admin, sent_messages, cafe_story):
    client = login(admin)
    notify(client, run, confirm="1")
    assert len(sent_messages) == 3
    notify(client, run, confirm="1")
    assert len(sent_messages) == 3
    preview = notify(client, run).content.decode()
    assert "Không có gì để gửi" in preview
    rerun = services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)
    notify(client, rerun, confirm="1")  # the same exposures found again: nobody told twice
    assert len(sent_messages) == 3
    assert sorted(m.recipient for m in sent_messages) == sorted(
        cafe_story[p].phone for p in ("binh", "chau", "ha")
    )


def test_the_outbox_key_is_a_database_constraint(run, admin):
    notify(login(admin), run, confirm="1")
    row = OutboundMessage.objects.filter(idempotency_key__isnull=False).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(
            channel="sms", recipient=row.recipient, body="x", idempotency_key=row.idempotency_key
        )


def test_an_email_after_the_sms_tells_only_those_not_told_yet(
    run, admin, sent_messages, cafe_story, _fake_notify
):
    _fake_notify.failing.add(cafe_story["ha"].phone)
    counts = services.run_notify(run=run, actor=admin, channel="sms")
    assert counts == {"sent": 2, "failed": 1, "already": 0, "no_address": 0}
    email = services.run_notify(run=run, actor=admin, channel="email")
    assert email == {"sent": 0, "failed": 0, "already": 1, "no_address": 2}  # Bình was told by SMS
    _fake_notify.failing.clear()
    retry = services.run_notify(run=run, actor=admin, channel="sms")  # a failed message frees its notice
    assert retry == {"sent": 1, "failed": 0, "already": 2, "no_address": 0}
    assert [m.recipient for m in sent_messages].count(cafe_story["ha"].phone) == 1


def test_the_daily_cap_stops_a_send_with_a_clear_message(run, admin, settings, sent_messages):
    settings.EPIQR_NOTIFY_DAILY_CAP = 2
    client = login(admin)
    preview = notify(client, run).content.decode()
    assert "chỉ còn gửi được 2" in preview and 'name="confirm"' not in preview
    response = notify(client, run, confirm="1", follow=True)
    assert "chỉ còn gửi được 2" in response.content.decode()
    assert sent_messages == [] and OutboundMessage.objects.count() == 0
    assert notify(client, run, confirm="1", degree="1").status_code == 302  # F1 only: Bình
    assert len(sent_messages) == 1
    f2 = notify(client, run, degree="2").content.decode()  # Châu and Hà, with one message left today
    assert "chỉ còn gửi được 1" in f2 and 'name="confirm"' not in f2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_officers_sending_at_the_same_moment_tell_each_person_once(
    require_postgres, run, cafe_story, make_user, geo, sent_messages
):
    officers = [make_user(Role.ADMIN), make_user(Role.ADMIN)]
    barrier = threading.Barrier(2)
    errors = []

    def send(user):
        try:
            barrier.wait()
            services.run_notify(run=run, actor=user, channel="sms")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(u,)) for u in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(m.recipient for m in sent_messages) == sorted(
        cafe_story[p].phone for p in ("binh", "chau", "ha")
    )


@pytest.mark.django_db(transaction=True)
def test_messages_sent_before_the_outbox_kept_communes_get_the_commune_of_what_they_are_about(
    cafe_story, admin
):
    """Migration tracing 0009: a message about a contact gets the contact's commune, one about a run its
    case's commune, any other none; new messages get theirs when sent (tracing.apps registers the rule)."""
    from django.db.migrations.executor import MigrationExecutor

    run = services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)
    contact = run.contacts.order_by("degree", "pk").first()
    assert contact.commune_id and run.case.commune_id

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    about = {"tracing.contact": contact.pk, "tracing.tracingrun": run.pk, "": ""}
    try:
        old = migrate([("notify", "0004_merge_20261203_1826")])
        for label, pk in about.items():
            old.get_model("notify", "OutboundMessage").objects.create(
                channel="sms", recipient="0900000001", body="x", related_type=label, related_id=str(pk)
            )
    finally:  # every app at its latest again (tracing 0009 among them), for the tests after this one
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    got = dict(OutboundMessage.objects.values_list("related_type", "commune_id"))
    assert got == {"tracing.contact": contact.commune_id, "tracing.tracingrun": run.case.commune_id, "": None}
    services.run_notify(run=run, actor=admin, channel="sms")
    sent = OutboundMessage.objects.filter(related_type="tracing.contact").exclude(recipient="0900000001")
    assert sent and all(m.commune_id == Contact.objects.get(pk=m.related_id).commune_id for m in sent)
