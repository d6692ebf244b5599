"""Camera frames into passages, counts and alerts; frames kept only with an alert, audited, purged."""

from dataclasses import replace
from datetime import timedelta

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epiqr.cameras import services
from epiqr.cameras.models import CameraAlert, CrowdCount, Frame
from epiqr.cameras.worker import read_source
from epiqr.checkpoints import keys, permit_code
from epiqr.checkpoints.models import Passage
from epiqr.checkpoints.services import permit_claim
from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.core.services import revocation_add
from epiqr.core.timeutil import now
from tests.checkpoints.scenes import frame_with_codes, jpeg

from .conftest import make_camera
from .people import draw_person, street

pytestmark = pytest.mark.django_db


def _permits(approved, n: int, *, revoke_last: bool = False) -> list[str]:
    kid, sign = keys.permit_signer()
    base = permit_claim(approved)
    texts = [approved.payload] + [
        permit_code.encode(replace(base, serial=base.serial + 100 + i), kid=kid, sign=sign)
        for i in range(n - 1)
    ]
    if revoke_last:
        revocation_add(purpose="permit", identifier=str(base.serial + 100 + n - 2), reason="test")
    return texts


def test_a_checkpoint_camera_logs_every_code_and_keeps_a_frame_only_for_the_refused(
    approved, checkpoint, chot, commune
):
    camera = make_camera(commune, kind="checkpoint", checkpoint=checkpoint)
    texts = _permits(approved, 4, revoke_last=True)
    result = services.frame_ingest(actor=chot, code=camera.code, blob=jpeg(frame_with_codes(texts, seed=3)))
    assert len(result.codes) == 4
    passages = Passage.objects.filter(source="camera", source_ref=camera.code)
    assert passages.count() == 4
    assert sorted(p.outcome for p in passages) == ["not_valid", "valid", "valid", "valid"]
    assert passages.get(outcome="not_valid").reasons == ["revoked"]
    (alert,) = CameraAlert.objects.all()
    assert alert.kind == "passage" and Frame.objects.filter(alert=alert).exists()
    # All valid: passages, and no frame kept at all.
    services.frame_ingest(actor=chot, code=camera.code, blob=jpeg(frame_with_codes(texts[:3], seed=4)))
    assert Passage.objects.filter(source="camera").count() == 7 and Frame.objects.count() == 1


def test_a_crowd_that_stays_alerts_the_commune_once(
    commune, officer, sent_messages, django_capture_on_commit_callbacks
):
    camera = make_camera(
        commune, kind="crowd", detector="blobs", threshold=5, sustain_minutes=2, alert_every_minutes=10
    )
    empty, crowded, _boxes = street(8, seed=5)
    services.camera_reference_set(actor=officer, camera=camera, blob=cv2.imencode(".png", empty)[1].tobytes())
    camera.refresh_from_db()
    start = now() - timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(13):  # a frame every 30 seconds for six minutes
            services.frame_process(camera=camera, frame=crowded, at=start + timedelta(seconds=30 * i))
    assert set(CrowdCount.objects.values_list("people", flat=True)) == {8}
    (alert,) = CameraAlert.objects.filter(kind="crowd")  # once: the next is allowed 10 minutes later
    assert alert.at == start + timedelta(minutes=2) and alert.people == 8 and alert.notified == 1
    assert Frame.objects.filter(alert=alert).exists()
    assert "8 người" in sent_messages[-1].body and sent_messages[-1].recipient == "xa@example.vn"


def test_a_quiet_crowd_camera_keeps_no_frame(commune, officer):
    camera = make_camera(commune, kind="crowd", detector="blobs", threshold=5)
    empty, few, _boxes = street(2, seed=6)
    services.camera_reference_set(actor=officer, camera=camera, blob=cv2.imencode(".png", empty)[1].tobytes())
    camera.refresh_from_db()
    for i in range(5):
        services.frame_process(camera=camera, frame=few, at=now() - timedelta(minutes=5 - i))
    assert CrowdCount.objects.count() == 5 and not CameraAlert.objects.exists() and not Frame.objects.exists()


def test_the_quarantined_door_alerts_at_most_once_per_period(
    commune, officer, sent_messages, django_capture_on_commit_callbacks
):
    import random

    camera = make_camera(
        commune,
        kind="quarantine",
        door=[0.4, 0.2, 0.6, 0.9],
        alert_every_minutes=15,
        quarantine_until=now() + timedelta(days=7),
    )
    empty, _frame, _b = street(0, seed=7)
    someone = empty.copy()
    draw_person(someone, 960, 400, 260, 20, random.Random(2))
    t = now() - timedelta(minutes=40)
    with django_capture_on_commit_callbacks(execute=True):
        for minute, frame in ((0, empty), (1, someone), (2, empty), (3, someone), (20, empty), (21, someone)):
            services.frame_process(camera=camera, frame=frame, at=t + timedelta(minutes=minute))
    alerts = list(CameraAlert.objects.filter(kind="door").order_by("at"))
    assert [a.at - t for a in alerts] == [timedelta(minutes=1), timedelta(minutes=20)]
    assert len(sent_messages) == 2 and all(Frame.objects.filter(alert=a).exists() for a in alerts)
    # After the quarantine the door is not watched.
    camera.quarantine_until = now() - timedelta(minutes=1)
    camera.save()
    services.frame_process(camera=camera, frame=empty, at=now())
    services.frame_process(camera=camera, frame=someone, at=now())
    assert CameraAlert.objects.filter(kind="door").count() == 2


def test_frames_are_purged_after_their_hours_and_every_view_is_audited(commune, officer, settings):
    camera = make_camera(
        commune, kind="quarantine", door=[0.4, 0.2, 0.6, 0.9], quarantine_until=now() + timedelta(days=1)
    )
    alert = services._alert(camera, kind="door", at=now(), frame=np.zeros((120, 160), np.uint8))
    client = Client()
    client.force_login(officer)
    response = client.get(f"/cameras/alerts/{alert.pk}/frame.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert AuditEvent.objects.filter(action="cameras.frame_view", actor=officer).count() == 1
    assert services.frames_purge(at=now() + timedelta(hours=settings.EPIQR_CAMERA_FRAME_HOURS - 1)) == 0
    assert services.frames_purge(at=now() + timedelta(hours=settings.EPIQR_CAMERA_FRAME_HOURS + 1)) == 1
    assert (
        CameraAlert.objects.filter(pk=alert.pk).exists()
        and client.get(f"/cameras/alerts/{alert.pk}/frame.jpg").status_code == 404
    )


def test_officers_elsewhere_see_no_camera_and_no_frame(commune, other_commune, make_user):
    camera = make_camera(commune, kind="quarantine", quarantine_until=now() + timedelta(days=1))
    alert = services._alert(camera, kind="door", at=now(), frame=np.zeros((120, 160), np.uint8))
    client = Client()
    client.force_login(make_user(Role.COMMUNE_OFFICER, commune=other_commune))
    assert client.get(f"/cameras/{camera.pk}/").status_code == 404
    assert client.get(f"/cameras/alerts/{alert.pk}/frame.jpg").status_code == 404


def test_a_gateway_posts_frames_through_the_api(
    api_client, approved, checkpoint, chot, commune, make_user, geo
):
    camera = make_camera(commune, kind="checkpoint", checkpoint=checkpoint)
    url = f"/api/v1/cameras/{camera.code}/frames"
    upload = SimpleUploadedFile(
        "f.jpg", jpeg(frame_with_codes([approved.payload], seed=1)), content_type="image/jpeg"
    )
    answer = api_client(chot).post(url, {"frame": upload})
    assert answer.status_code == 200, answer.content
    assert answer.json()["codes"][0]["valid"] is True
    stranger = make_user(Role.CHECKPOINT_OFFICER, province=geo)  # not an officer of that checkpoint
    again = SimpleUploadedFile(
        "f.jpg", jpeg(frame_with_codes([approved.payload], seed=1)), content_type="image/jpeg"
    )
    assert api_client(stranger).post(url, {"frame": again}).status_code == 404
    junk = SimpleUploadedFile("f.jpg", b"not a jpeg", content_type="image/jpeg")
    assert api_client(chot).post(url, {"frame": junk}).status_code == 422
    # A JSON body (a careless client) is a missing frame; a NUL in a form field is the request guard's 400.
    as_json = api_client(chot).post(url, '{"frame": "x\\u0000"}', content_type="application/json")
    assert as_json.status_code == 422 and as_json.json()["field"] == "frame"
    assert api_client(chot).post(url, {"at": "2026-12-03T08:00:00\x00"}).status_code == 400
    assert Passage.objects.filter(source="camera").count() == 1


def test_the_worker_reads_a_video_file_boundedly(approved, checkpoint, commune, tmp_path):
    camera = make_camera(commune, kind="checkpoint", checkpoint=checkpoint)
    path = str(tmp_path / "gate.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 5, (1920, 1080), isColor=False)
    frames = [frame_with_codes([approved.payload], seed=s) for s in range(3)] + [
        frame_with_codes([], seed=9)
    ] * 3
    for frame in frames:
        writer.write(frame)
    writer.release()
    report = read_source(camera=camera, source=path, max_frames=4)
    assert (report.frames_processed, report.ended, report.codes) == (4, "max frames", 3)
    report = read_source(camera=camera, source=path, max_frames=100, every=2)
    assert (report.frames_read, report.frames_processed, report.ended) == (6, 3, "end of source")
    assert read_source(camera=camera, source=str(tmp_path / "missing.avi")).ended == "cannot open"
