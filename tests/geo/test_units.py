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
