"""The public page a venue poster opens: first-time form, one tap next time, family, check-out."""

from epiqr.core.device import COOKIE
from epiqr.venues.tokens import rotating_token_make


def register(client, url, **overrides):
    data = {
        "action": "register",
        "full_name": "Lê Minh Châu",
        "phone": "0912 345 678",
        "birth_year": "1985",
        "id_number": "",
        "commune": "",
        "symptoms": "no",
        **overrides,
    }
    return client.post(url, data)


def test_invalid_tokens_show_a_clear_page_and_record_nothing(client, venue, venue_url, checkins):
    good = venue_url(venue)
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    for url in (forged, "/v/12-1.xyz", "/v/" + "a" * 200, good[: len(good) // 2]):
        r = client.get(url)
        assert r.status_code == 400, url
        assert "không hợp lệ" in r.content.decode() or "not valid" in r.content.decode()
        assert register(client, url).status_code == 400
    venue.token_generation += 1  # a reprint: old posters stop working
    venue.save()
    r = client.get(good)
    assert r.status_code == 400
    assert checkins.count() == 0


def test_first_time_then_one_tap_at_another_venue(client, venue, other_venue, venue_url, checkins):
    r = client.get(venue_url(venue))
    assert r.status_code == 200 and venue.name in r.content.decode()
    assert 'name="full_name"' in r.content.decode()
    r = register(client, venue_url(venue))
    assert r.status_code == 200, r.content.decode()[:2000]
    assert 'data-cue="ok"' in r.content.decode()
    assert COOKIE in r.cookies
    first = checkins.get()
    assert first.venue_id == venue.pk and first.method == "self" and first.has_symptoms is False
    # the second venue knows the person: one tap, no form
    page = client.get(venue_url(other_venue)).content.decode()
    assert "Lê Minh Châu" in page and 'name="full_name"' not in page
    person_value = page.split('name="person" value="')[1].split('"')[0]
    r = client.post(venue_url(other_venue), {"person": person_value, "symptoms": "yes"})
    assert r.status_code == 200 and 'data-cue="warn"' in r.content.decode()
    second = checkins.exclude(pk=first.pk).get()
    assert second.venue_id == other_venue.pk and second.person_id == first.person_id and second.has_symptoms


def test_family_members_check_in_together(client, venue, venue_url, checkins):
    url = venue_url(venue)
    register(client, url)
    register(client, url + "?add=1", full_name="Lê Minh Khôi", birth_year="2015")
    assert checkins.count() == 2
    page = client.get(url).content.decode()
    ids = [chunk.split('"')[0] for chunk in page.split('name="person" value="')[1:]]
    assert len(ids) == 2
    checkins.all().delete()
    r = client.post(url, {"person": ids, "symptoms": "no"})
    assert r.status_code == 200
    assert checkins.count() == 2 and len(set(checkins.values_list("person_id", flat=True))) == 2


def test_same_phone_same_person_is_not_registered_twice(client, venue, other_venue, venue_url, checkins):
    from epiqr.people.models import Person

    register(client, venue_url(venue))
    client.cookies.clear()  # a new phone, same person types the same details
    register(client, venue_url(other_venue), phone="+84912345678")
    assert Person.objects.count() == 1 and checkins.count() == 2


def test_form_errors_are_shown_and_nothing_is_stored(client, venue, venue_url, checkins):
    r = register(client, venue_url(venue), phone="12", birth_year="2999", full_name="")
    assert r.status_code == 400
    text = r.content.decode()
    assert text.count('class="error"') >= 3
    assert checkins.count() == 0


def test_rotating_screen_code_works_now_and_expires(client, venue, checkins):
    import time

    fresh = rotating_token_make(venue_id=venue.pk, generation=venue.token_generation)
    assert client.get(f"/v/{fresh}").status_code == 200
    old = rotating_token_make(venue_id=venue.pk, generation=venue.token_generation, at=time.time() - 3600)
    r = client.get(f"/v/{old}")
    assert r.status_code == 400
    assert checkins.count() == 0


def test_checkout_only_for_this_phones_visits(client, venue, venue_url, checkins):
    register(client, venue_url(venue))
    mine = checkins.get()
    from django.test import Client

    stranger = Client()
    assert stranger.post("/c/checkout", {"checkin": mine.pk}).status_code == 400
    mine.refresh_from_db()
    assert mine.checked_out_at is None
    assert client.post("/c/checkout", {"checkin": mine.pk}).status_code == 200
    mine.refresh_from_db()
    assert mine.checked_out_at is not None


def test_page_weight_is_small(client, venue, venue_url):
    from django.conf import settings

    page = client.get(venue_url(venue)).content
    css = (settings.BASE_DIR / "static" / "epiqr" / "base.css").read_bytes()
    assert len(page) + len(css) < 50_000, len(page)
    assert b'<script src="http' not in page and b"https://cdn" not in page


def test_first_time_with_id_number_links_the_card_holder(client, venue, venue_url, checkins):
    """Typing the ID number finds the person a staff scan registered earlier from the card."""
    from epiqr.people.idnumber import id_number_make
    from epiqr.people.services import person_from_scan

    number = id_number_make(province_code="001", birth_year=1985, sex="F", serial=424242)
    known = person_from_scan(
        payload=f"{number}||Lê Minh Châu|01011985|Nữ|12 Phố Huế, Hà Nội|01012022", create=True
    ).person
    r = register(client, venue_url(venue), id_number=number)
    assert r.status_code == 200, r.content.decode()[:1500]
    assert checkins.get().person_id == known.pk


def test_new_person_with_an_id_number(client, venue, venue_url, checkins):
    from epiqr.people.idnumber import id_number_make

    number = id_number_make(province_code="001", birth_year=1985, sex="M", serial=515151)
    r = register(client, venue_url(venue), id_number=number, full_name="Phạm Văn Tú")
    assert r.status_code == 200, r.content.decode()[:1500]
    r = register(client, venue_url(venue), id_number="123")
    assert r.status_code == 400
    assert checkins.count() == 1


def test_junk_input_on_public_pages_is_never_a_500(client, venue, venue_url, checkins, owner):
    url = venue_url(venue)
    cases = [
        ("post", url, {"person": ["not-a-uuid", "1' OR 1=1"], "symptoms": "maybe"}),
        ("post", url, {"action": "register", "full_name": "x" * 5000, "phone": "☎", "birth_year": "abc"}),
        (
            "post",
            url,
            {
                "action": "register",
                "commune": "999999999",
                "full_name": "An",
                "phone": "0912345678",
                "birth_year": "1990",
            },
        ),
        ("post", "/c/checkout", {"checkin": ["abc", "-1", "99999999999999999999"]}),
        ("get", "/declare/?province=abc&kind=zzz", None),
        ("post", "/declare/", {"kind": "entry", "arrival_date": "2021-13-45", "birth_year": "-5"}),
    ]
    for method, path, data in cases:
        r = getattr(client, method)(path, data) if data is not None else client.get(path)
        assert r.status_code < 500, (path, data, r.status_code)
    client.force_login(owner)
    for path in (
        f"/checkins/venues/{venue.pk}/visitors?day=2021-02-31",
        f"/checkins/venues/{venue.pk}/visitors?day=x",
    ):
        assert client.get(path).status_code == 200
    assert checkins.count() == 0


def test_person_under_isolation_sees_red_and_nothing_is_stored(
    client, venue, other_venue, venue_url, checkins, commune
):
    from django.utils import timezone

    from epiqr.cases.models import Case

    register(client, venue_url(venue))
    person_id = checkins.get().person_id
    Case.objects.create(person_id=person_id, confirmed_on=timezone.localdate(), commune=commune)
    page = client.get(venue_url(other_venue)).content.decode()
    value = page.split('name="person" value="')[1].split('"')[0]
    r = client.post(venue_url(other_venue), {"person": value, "symptoms": "no"})
    assert r.status_code == 200 and 'data-cue="bad"' in r.content.decode()
    assert not checkins.filter(venue=other_venue).exists()


def test_a_shared_phone_says_whose_each_visit_is_with_its_check_out_and_can_forget_one(
    client, venue, venue_url, checkins
):
    url = venue_url(venue)
    register(client, url)
    register(client, url + "?add=1", full_name="Lê Minh Khôi", birth_year="2015", phone="0912 345 678")
    khoi = checkins.get(person__full_name="Lê Minh Khôi")
    assert client.post("/c/checkout", {"checkin": khoi.pk}).status_code == 200
    page = client.get("/c/mine")
    rows = {who: visit for visit, who in page.context["rows"]}
    assert set(rows) == {"Lê Minh Châu", "Lê Minh Khôi"}
    assert rows["Lê Minh Khôi"].checked_out_at is not None and rows["Lê Minh Châu"].checked_out_at is None
    assert page.content.decode().count("ra lúc") == 1  # the check-out time is shown on Khôi's row
    link = next(p for p in page.context["known"] if p.label == "Lê Minh Khôi")
    client.post("/c/forget", {"link": link.link_id})
    after = client.get("/c/mine")
    assert [who for _visit, who in after.context["rows"]] == ["Lê Minh Châu"]
    assert checkins.count() == 2  # forgetting on the phone deletes nothing officers need
