"""Health declarations: validated (API and page), flagged for the commune officer on symptoms/exposure."""

from epiqr.checkins.models import HealthDeclaration
from epiqr.core.permissions import Role

URL = "/api/v1/checkins/declarations"


def body(where, **extra):
    return {
        "kind": "domestic",
        "full_name": "Phạm Quốc Dũng",
        "birth_year": 1979,
        "phone": "0987654321",
        "commune": where.pk,
        "address": "5 Ngõ Trạm",
        "visited": "Đà Nẵng",
        **extra,
    }


def test_declaration_without_symptoms_is_not_flagged(client, commune):
    r = client.post(URL, body(commune), content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["flagged"] is False
    assert HealthDeclaration.objects.get().phone == "0987654321"


def test_symptoms_or_exposure_flag_for_the_own_commune_officer_only(
    client, commune, other_commune, make_user
):
    client.post(URL, body(commune, symptoms=["fever", "cough"]), content_type="application/json")
    client.post(
        URL,
        body(commune, exposures=["contact_patient"], full_name="Vũ Đức Long"),
        content_type="application/json",
    )
    client.post(
        URL,
        body(other_commune, symptoms=["fatigue"], full_name="Người Xã Khác"),
        content_type="application/json",
    )
    assert HealthDeclaration.objects.filter(flagged=True).count() == 3
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.force_login(officer)
    page = client.get("/checkins/officer/").content.decode()
    assert "Phạm Quốc Dũng" in page and "Vũ Đức Long" in page and "Người Xã Khác" not in page
    d = HealthDeclaration.objects.get(full_name="Vũ Đức Long")
    assert client.post(f"/checkins/officer/declarations/{d.pk}/done", {"note": "đã gọi"}).status_code == 302
    assert "Vũ Đức Long" not in client.get("/checkins/officer/").content.decode()
    foreign = HealthDeclaration.objects.get(full_name="Người Xã Khác")
    assert client.post(f"/checkins/officer/declarations/{foreign.pk}/done").status_code == 403
    foreign.refresh_from_db()
    assert foreign.followed_up_at is None


def test_bad_declarations_are_422_with_the_field(client, commune):
    cases = {
        "phone": body(commune, phone="123"),
        "birth_year": body(commune, birth_year=2999),
        "symptoms": body(commune, symptoms=["plague"]),
        "commune": {**body(commune), "commune": 99999999},
        "full_name": body(commune, full_name=""),
        "transport": body(commune, kind="entry", id_number="B1234567"),
    }
    for field, data in cases.items():
        r = client.post(URL, data, content_type="application/json")
        assert r.status_code == 422, (field, r.content)
        assert r.json()["field"] == field and r.json()["detail"]
    r = client.post(URL, body(commune, symptoms="fever"), content_type="application/json")
    assert r.status_code == 422
    r = client.post(URL, "[1,2", content_type="application/json")
    assert 400 <= r.status_code < 500
    assert HealthDeclaration.objects.count() == 0


def test_entry_declaration(client, commune):
    data = body(
        commune,
        kind="entry",
        id_number="B1234567",
        nationality="Hàn Quốc",
        transport="flight",
        transport_number="VN417",
        seat="23A",
        entry_point="Sân bay Nội Bài",
        arrival_date="2021-07-01",
        departure_country="Hàn Quốc",
    )
    r = client.post(URL, data, content_type="application/json")
    assert r.status_code == 201, r.content
    d = HealthDeclaration.objects.get()
    assert d.kind == "entry" and d.transport_number == "VN417" and d.seat == "23A"


def test_public_page_declares(client, commune):
    r = client.get(f"/declare/?province={commune.province_id}")
    assert r.status_code == 200 and 'name="symptoms"' in r.content.decode()
    data = {**body(commune), "symptoms": ["sore_throat"], "province": commune.province_id}
    r = client.post("/declare/", data)
    assert r.status_code == 200, r.content.decode()[:3000]
    assert HealthDeclaration.objects.get().flagged is True
    r = client.post("/declare/", {**data, "phone": "abc"})
    assert r.status_code == 400 and 'class="error"' in r.content.decode()


def _page_form(commune, **extra):
    return {
        "kind": "domestic",
        "province": commune.province_id,
        "full_name": "Phạm Quốc Dũng",
        "birth_year": "1979",
        "phone": "0987654321",
        "commune": commune.pk,
        "address": "5 Ngõ Trạm",
        **extra,
    }


def test_the_sent_page_gives_the_declarations_qr_and_what_happens_next(client, commune, make_user, settings):
    import re

    from epiqr.core.models import AuditEvent

    page = client.post("/declare/", _page_form(commune, symptoms=["fever"]))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="declaration-qr"><svg' in html
    assert "Những việc tiếp theo" in html and "sẽ gọi" in html  # flagged: the commune will call
    declaration = HealthDeclaration.objects.get()
    code = re.search(r"/declare/d/([\w.-]+)", html)
    assert code is None  # the address is in the QR only, not printed beside it
    from epiqr.checkins.selectors import declaration_code

    url = f"/declare/d/{declaration_code(declaration=declaration)}"
    # Anyone holding the QR learns that the declaration exists and when it was sent, nothing personal.
    public = client.get(url).content.decode()
    assert f"#{declaration.pk}" in public and "Phạm Quốc Dũng" not in public and "0987654321" not in public
    # A health officer of the declarant's commune sees who and what; the read is audited.
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    client.force_login(officer)
    full = client.get(url).content.decode()
    assert "Phạm Quốc Dũng" in full and "0987654321" in full
    assert AuditEvent.objects.filter(action="checkins.declaration_view", actor=officer).count() == 1
    # A changed or made-up code is refused with a message, never a 500.
    client.logout()
    forged = client.get(url[:-2] + ("AA" if not url.endswith("AA") else "BB"))
    assert forged.status_code == 404 and "không phải mã tờ khai" in forged.content.decode()
    assert client.get("/declare/d/%00%FF..").status_code == 400  # the request guard refuses a NUL


def test_the_follow_up_list_pages_keeps_its_place_after_a_call_and_shows_the_called_on_request(
    client, commune, make_user
):
    for i in range(5):
        client.post(
            URL,
            body(commune, symptoms=["fever"], full_name=f"Người Khai {i}"),
            content_type="application/json",
        )
    client.post(URL, body(commune, full_name="Không Triệu Chứng"), content_type="application/json")
    client.force_login(make_user(Role.COMMUNE_OFFICER, commune=commune))
    page = client.get("/checkins/officer/?page_size=2&page=2")
    assert [d.full_name for d in page.context["page"].items] == [
        "Người Khai 2",
        "Người Khai 1",
    ]  # newest first
    called = page.context["page"].items[0]
    back = client.post(
        f"/checkins/officer/declarations/{called.pk}/done", {"note": "đã gọi", "list": "?page_size=2&page=2"}
    )
    assert back["Location"] == "/checkins/officer/?page_size=2&page=2"
    hostile = client.post(
        f"/checkins/officer/declarations/{called.pk}/done", {"list": "//evil.example/\r\nX: y"}
    )
    assert hostile["Location"] == "/checkins/officer/"
    open_now = client.get("/checkins/officer/").context["page"]
    assert open_now.count == 4 and "Người Khai 2" not in {d.full_name for d in open_now.items}
    done = client.get("/checkins/officer/?state=done").context["page"]
    assert [d.full_name for d in done.items] == ["Người Khai 2"]
    everything = client.get("/checkins/officer/?state=all&q=khai").context["page"]
    assert everything.count == 5  # "Không Triệu Chứng" was never flagged and does not match
    api = client.get(URL + "?state=all").json()
    assert api["count"] == 6 and {"symptoms", "followed_up_at"} <= set(api["items"][0])
