import pytest

from epiqr.geo.selectors import commune_search


def test_thirty_four_provinces_and_their_communes_are_loaded(geo):
    from epiqr.geo.models import Commune, Province

    assert Province.objects.count() == 34
    assert Commune.objects.count() > 3000
    assert geo.name == "Thành phố Hà Nội"


def test_communes_are_found_with_or_without_diacritics(geo):
    with_marks = commune_search(query="Hoàn Kiếm")
    without = commune_search(query="hoan kiem")
    assert with_marks and [c.code for c in with_marks] == [c.code for c in without]
    assert with_marks[0].province.name == "Thành phố Hà Nội"


def test_commune_api_is_public_and_bounded(client, geo):
    rows = client.get("/api/v1/geo/communes", {"q": "ba dinh", "limit": 1000}).json()
    assert 1 <= len(rows) <= 100
    assert any("Ba Đình" in r["name"] for r in rows)


# --- former names (before 1 July 2025): people still say "Hàng Trống" --------------------------------


def test_a_former_ward_name_finds_the_communes_that_took_it(geo):
    found = commune_search(query="hang trong", province_code=geo.code)
    assert {c.name for c in found} == {"Phường Hoàn Kiếm", "Phường Cửa Nam"}  # split between the two
    assert {c.former_name for c in found} == {"Phường Hàng Trống"}
    # Current names still come first and are not labelled as former ones.
    first = commune_search(query="hoàn kiếm")[0]
    assert first.name == "Phường Hoàn Kiếm" and first.former_name is None


def test_the_commune_api_answers_former_names_too(client, geo):
    rows = client.get("/api/v1/geo/communes", {"q": "Hàng Bạc", "province": geo.code}).json()
    assert rows[0]["name"] == "Phường Hoàn Kiếm" and rows[0]["former_name"] == "Phường Hàng Bạc"


def test_former_names_survive_a_reload_and_are_not_duplicated(geo):
    from epiqr.geo.models import FormerName
    from epiqr.geo.services import former_names_load

    before = FormerName.objects.count()
    assert before > 8000
    assert former_names_load() == before
    assert FormerName.objects.count() == before
    # A commune that kept its name is not its own former name.
    assert not FormerName.objects.filter(commune__name="Phường Cửa Nam", name="Phường Cửa Nam").exists()


def test_a_venue_form_accepts_a_former_name_and_asks_when_it_was_split(geo):
    from epiqr.venues.forms import VenueForm

    def commune_of(text):
        form = VenueForm({"name": "Cà phê", "sector": "food", "address": "1 Phố Hàng Bạc", "commune": text})
        return form.cleaned_data["commune"].name if form.is_valid() else form.errors["commune"][0]

    assert commune_of("Hàng Bạc") == "Phường Hoàn Kiếm"
    assert commune_of("phuong hang bac, ha noi") == "Phường Hoàn Kiếm"
    split = commune_of("Hàng Trống")
    assert "Phường Hoàn Kiếm" in split and "Phường Cửa Nam" in split


def test_a_venue_import_row_may_name_its_former_ward(geo, make_user):
    from epiqr.core.permissions import Role
    from epiqr.venues.importing import CommuneResolver

    resolver = CommuneResolver(actor=make_user(Role.PROVINCE_OFFICER, province=geo))
    assert resolver.resolve("Phường Hàng Bạc").name == "Phường Hoàn Kiếm"
    with pytest.raises(ValueError, match="Phường Cửa Nam"):
        resolver.resolve("Hàng Trống")


def test_commune_pickers_of_forms_search_former_names_through_the_api(geo):
    """Every commune <select> carries the search box's API address (base.js asks it as people type)."""
    from epiqr.checkins.forms import DeclarationForm, VisitorForm
    from epiqr.geo.models import Commune
    from epiqr.people.forms import PersonForm
    from epiqr.testing.forms import SessionForm

    communes = Commune.objects.filter(province=geo)
    forms = [
        DeclarationForm(province_code=geo.code),
        VisitorForm(province_code=geo.code),
        PersonForm(communes=communes),
        SessionForm(sites=communes.none(), communes=communes),
    ]
    for form in forms:
        html = str(form)
        assert 'data-commune-search="/api/v1/geo/communes"' in html, type(form).__name__
