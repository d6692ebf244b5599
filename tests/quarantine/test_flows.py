"""What the other domains do with the quarantine's events: a quarantine-zone camera at the person's door
watches it for the days of quarantine (cameras/flows.py), and stops when it ends."""

from datetime import timedelta

from epiqr.cameras.models import Camera
from epiqr.core.timeutil import local, now
from epiqr.quarantine import services


def test_the_camera_at_the_contacts_door_watches_it_for_the_days_of_quarantine(
    qworld, settings, django_capture_on_commit_callbacks
):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    person = qworld["chi"].person
    door = Camera.objects.create(code="cua-chi", name="Cửa nhà", kind="quarantine", commune=person.commune,
                                 household=person, door=[0.4, 0.2, 0.6, 0.9])  # fmt: skip
    street = Camera.objects.create(
        code="pho", name="Phố", kind="crowd", commune=person.commune, household=person
    )
    with django_capture_on_commit_callbacks(execute=True):
        q = services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    door.refresh_from_db()
    assert local(door.quarantine_until).date() == q.end + timedelta(days=1)  # to the end of the last day
    assert Camera.objects.get(pk=street.pk).quarantine_until is None  # only a quarantine-zone camera
    with django_capture_on_commit_callbacks(execute=True):
        services.quarantine_end(quarantine=q, actor=qworld["officer"], reason="ended_by_officer")
    door.refresh_from_db()
    assert door.quarantine_until <= now()


def test_no_quarantine_no_door_watched(qworld, settings, django_capture_on_commit_callbacks):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2022-04-cv1909"  # self-monitoring only
    person = qworld["chi"].person
    door = Camera.objects.create(
        code="cua", name="Cửa", kind="quarantine", commune=person.commune, household=person
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    assert Camera.objects.get(pk=door.pk).quarantine_until is None
