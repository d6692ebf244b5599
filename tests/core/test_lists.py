"""The shared list piece (epiqr.core.lists) over a real table: the 3,321 communes of Vietnam."""

import pytest
from django.http import QueryDict

from epiqr.core.errors import Invalid
from epiqr.core.lists import MAX_OFFSET, Filter, FilterKind, ListSpec, Sort, api_query
from epiqr.geo.models import Commune

pytestmark = pytest.mark.django_db

COMMUNES = ListSpec(
    name="test_communes",
    filters=(
        Filter("province", "Province", kind=FilterKind.INT, minimum=1, maximum=99, lookup="province_id"),
        Filter("q", "Name", kind=FilterKind.TEXT, max_length=20, lookup="name_folded__contains"),
        Filter(
            "kind",
            "Kind",
            choices=(("ward", "Phường"), ("commune", "Xã")),
            apply=lambda qs, v: qs.filter(name_folded__startswith="phuong" if v == "ward" else "xa "),
        ),
    ),
    sorts=(Sort("name", "Name", ("name_folded", "code")), Sort("code", "Code", ("code",))),
    default_sort="name",
    page_size=20,
    count_limit=500,
)


def get(params: str, *, strict=False, clamp=None):
    query = COMMUNES.parse(QueryDict(params), strict=strict)
    return COMMUNES.page(Commune.objects.all(), query, clamp=not strict if clamp is None else clamp)


def walk(params: str) -> list[int]:
    """Every code met following the pages' next links from the first page to the last."""
    codes, url = [], "?" + params
    while url:
        page = get(url[1:])
        codes += [c.code for c in page.items]
        url = page.next_url
    return codes


@pytest.mark.parametrize("sort", ["name", "-name", "code", "-code"])
def test_following_the_pages_meets_every_row_once_in_the_sorts_order(geo, sort):
    province = Commune.objects.filter(province_id=1)
    ordering = COMMUNES.sorts[0 if sort.lstrip("-") == "name" else 1].ordering(sort.startswith("-"))
    assert walk(f"province=1&sort={sort}&page_size=37") == list(
        province.order_by(*ordering).values_list("code", flat=True)
    )


def test_counting_stops_at_the_lists_limit_and_the_last_page_needs_no_count(geo, django_assert_num_queries):
    whole = get("")
    assert whole.count == 500 and not whole.count_exact and whole.has_next
    small = get("q=hoan kiem")
    assert small.count_exact and small.count == len(small.items) >= 1
    with django_assert_num_queries(1):  # the rows of a short last page tell the count
        get("province=1&page=6&page_size=25")
    ha_noi = Commune.objects.filter(province_id=1).count()
    assert get("province=1").count == ha_noi and get("province=1").count_exact


def test_filters_narrow_and_bad_parameters_are_reported_without_losing_what_was_typed(geo):
    page = get("province=1&kind=ward&q=hoan kiem")
    assert [c.name for c in page.items] == ["Phường Hoàn Kiếm"]
    bad = get("province=abc&kind=hamlet&q=" + "x" * 30 + "&sort=population&page_size=999&page=-3")
    assert set(bad.query.errors) == {"province", "kind", "q", "sort", "page_size"}
    assert bad.query.typed["province"] == "abc" and bad.query.typed["kind"] == "hamlet"
    assert bad.number == 1 and bad.page_size == 20 and bad.query.sort == "name"
    assert bad.count == 500  # the bad filters were left out, not guessed
    with pytest.raises(Invalid) as refused:
        get("kind=hamlet", strict=True)
    assert refused.value.field == "kind"
    assert "\x00" not in str(get("q=a%00b").query.values) and "q" in get("q=a%00b").query.errors


def test_a_page_past_the_end_shows_the_last_page_but_the_api_answers_an_empty_one(geo):
    last = get("province=1&page=99")
    assert last.items and not last.has_next and last.number == last.pages
    empty = get("province=1&page=99", strict=True)
    assert empty.items == [] and empty.has_previous and empty.count == last.count
    deep = get(f"page={MAX_OFFSET // 20 + 2}")
    assert "page" in deep.query.errors and deep.number == 1
    with pytest.raises(Invalid):
        get(f"page={MAX_OFFSET // 20 + 2}", strict=True)


def test_links_keep_the_filters_and_leave_defaults_out(geo):
    page = get("province=1&kind=ward&page=2&sort=name")
    assert page.url() == "?province=1&kind=ward&page=2"
    assert page.next_url == "?province=1&kind=ward&page=3"
    assert page.previous_url == "?province=1&kind=ward"
    assert page.sort_url("name") == "?province=1&kind=ward&sort=-name"  # second click: other direction
    assert page.sort_url("code") == "?province=1&kind=ward&sort=code"
    assert page.sort_state("name") == "ascending" and page.sort_state("code") == ""
    links = get("page=12").links()
    assert links[:2] == [1, None] and links[2:7] == [10, 11, 12, 13, 14] and links[-1] == 25


def test_the_api_schema_documents_bounds_choices_and_sorts():
    schema = api_query(COMMUNES).model_json_schema()["properties"]
    assert schema["page_size"]["maximum"] == 200 and schema["page"]["minimum"] == 1
    assert schema["sort"]["enum"] == ["name", "-name", "code", "-code"]
    assert schema["kind"]["anyOf"][0]["enum"] == ["ward", "commune"]
    assert schema["province"]["anyOf"][0]["maximum"] == 99


def test_a_spec_refuses_an_undeclared_default_sort_or_a_reserved_filter_name():
    with pytest.raises(ValueError):
        ListSpec(name="x", sorts=(Sort("a", "A", ("id",)),), default_sort="b")
    with pytest.raises(ValueError):
        ListSpec(name="x", sorts=(Sort("a", "A", ("id",)),), default_sort="a", filters=(Filter("page", "P"),))
