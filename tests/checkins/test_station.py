"""The scan station page (without a browser): scans, manual entry, photo decoding, scope."""

from epiqr.core.qr import draw_png

from .conftest import cccd_payload


def test_scan_then_manual_entry(client, owner, venue, checkins):
    client.force_login(owner)
    payload = cccd_payload(name="Hoàng Thu Hà")
    r = client.post(f"/checkins/station/{venue.pk}/", {"payload": payload})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-result="ok"' in html and "Hoàng Thu Hà" in html
    number = payload.split("|")[0]
    checkins.all().delete()
    r = client.post(f"/checkins/station/{venue.pk}/", {"identifier": number})
    assert 'data-result="ok"' in r.content.decode()
    assert checkins.count() == 1
    r = client.post(f"/checkins/station/{venue.pk}/", {"identifier": "0900000000"})
    assert r.status_code == 404 and 'data-result="bad"' in r.content.decode()


def test_unreadable_scan_is_red_with_reason(client, owner, venue, checkins):
    client.force_login(owner)
    r = client.post(f"/checkins/station/{venue.pk}/", {"payload": cccd_payload()[:20]})
    assert r.status_code == 422 and 'data-result="bad"' in r.content.decode()
    assert checkins.count() == 0


def test_photo_is_decoded_server_side(client, owner, venue):
    client.force_login(owner)
    payload = cccd_payload()
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("card.png", draw_png(payload), content_type="image/png")
    r = client.post(f"/checkins/station/{venue.pk}/photo", {"photo": photo})
    assert r.status_code == 200 and r.json()["codes"] == [payload]
    blank = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    r = client.post(f"/checkins/station/{venue.pk}/photo", {"photo": blank})
    assert r.status_code == 422 and r.json()["detail"]
    assert client.post(f"/checkins/station/{venue.pk}/photo").status_code == 422  # as every station


def test_a_scan_is_parsed_once_on_the_staff_path(client, owner, venue, checkins, monkeypatch):
    """A new card (registered by the scan) and the same card again: each scan reads the payload once,
    the station's known-card lookup and the people service sharing the parsed card."""
    from epiqr.checkins import services as checkins_services
    from epiqr.people import parsers
    from epiqr.people import services as people_services

    calls = []
    real = parsers.parse_payload

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(parsers, "parse_payload", counted)
    monkeypatch.setattr(people_services, "parse_payload", counted)
    monkeypatch.setattr(checkins_services, "parse_payload", counted)  # every module that reads a scan
    client.force_login(owner)
    payload = cccd_payload(name="Đỗ Văn Lâm")
    for scan in ("new card", "known card, a moment later"):
        calls.clear()
        r = client.post(f"/checkins/station/{venue.pk}/", {"payload": payload})
        assert 'data-result="ok"' in r.content.decode()  # green both times (the second is one visit)
        assert len(calls) == 1, scan
    assert checkins.count() == 1
