"""The dashboards' long tables and charts drawn in Python (templatetags dashboard_tables and
dashboard_charts): the cells the templates drew, their column names for the 390 px layout, numbers in the
page's language, and every text from users or places escaped."""

from django.template import Context, Template
from django.utils import translation

from epiqr.dashboards.charts import bars_with_line
from epiqr.dashboards.selectors import Area, CommuneRow, MapCommune, MapPlace


def _render(source: str, **context) -> str:
    return Template("{% load dashboard_tables dashboard_charts %}" + source).render(Context(context))


def test_a_commune_row_links_the_commune_and_its_level_history_with_numbers_in_the_language():
    row = CommuneRow(4321, "Phường <Hoa> & Lá", 1234, 7, 3000, 2000, 250, 3, quarantined=12)
    with translation.override("vi"):
        html = _render("{% commune_rows rows area 90 %}", rows=[row], area=Area(None, "Hà Nội", 1))
        cases_label = translation.gettext("Cases in the period")
    assert cases_label != "Cases in the period"
    assert '<a href="?province=1&amp;commune=4321&amp;days=90">Phường &lt;Hoa&gt; &amp; Lá</a>' in html
    assert '<a class="level level-orange" href="/dashboards/levels/commune/4321/">3</a>' in html
    assert f'data-label="{cases_label}">1234<' in html
    assert ">12,50%<" in html  # 250 positives of 2,000 results, Vietnamese decimals
    assert html.count("<td") == 9
    with translation.override("en"):
        html = _render("{% commune_rows rows area 14 %}", rows=[row], area=Area(4321, "x", None))
    assert 'href="?commune=4321&amp;days=14"' in html and ">12.50%<" in html
    assert 'data-label="Positivity"' in html


def test_a_row_without_level_or_results_shows_dashes_and_an_empty_table_says_so():
    row = CommuneRow(5, "Xã A", 0, 0, 0, 0, 0, None)
    with translation.override("en"):
        html = _render("{% commune_rows rows area 14 %}", rows=[row], area=Area(None, "", None))
        empty = _render("{% commune_rows rows area 14 %}", rows=[], area=Area(None, "", None))
    assert 'data-label="Level">—<' in html and 'data-label="Positivity">—<' in html
    assert "level-" not in html
    assert empty == '<tr><td colspan="9" class="muted">Nothing recorded in this period.</td></tr>'


def test_the_map_tables_escape_venue_names_and_list_only_the_first_communes():
    communes = [
        MapCommune(i, f"Xã {i}", 16.0, 107.0, 4 if i == 1 else None, 151.25, None) for i in range(1, 6)
    ]
    cluster = MapPlace("cluster", "Quán <script>alert(1)</script>", "Xã 1", 16.0, 107.0, 5, None)
    venue = MapPlace("venue", 'Chợ "Đông"', "Xã 2", 16.0, 107.0, 310, 300)
    with translation.override("en"):
        rows = _render("{% map_commune_rows communes 3 %}", communes=communes)
        clusters = _render("{% place_rows places %}", places=[cluster])
        crowded = _render("{% place_rows places crowded=True %}", places=[venue])
        none = _render("{% place_rows places crowded=True %}", places=[])
    assert rows.count("<tr>") == 3 and "Xã 4" not in rows
    assert '<a class="level level-red" href="/dashboards/levels/commune/1/">4</a>' in rows
    assert 'data-label="New cases per 100,000 in 7 days">151.2' in rows
    assert "<script>" not in clusters and "&lt;script&gt;" in clusters
    assert 'data-label="Cases">5<' in clusters
    assert "Chợ &quot;Đông&quot;" in crowded and 'data-label="Capacity or threshold">300<' in crowded
    assert "No crowded place now." in none and 'colspan="4"' in none


def test_a_chart_draws_one_bar_per_value_with_its_value_and_the_line():
    chart = bars_with_line([3, 0, 1.5], [1.0, 1.0, 1.5])
    with translation.override("vi"):  # coordinates stay in SVG's decimal point whatever the language
        svg = _render("{% bar_chart chart title second=True %}", chart=chart, title='Ca "mới"')
    assert svg.startswith(
        '<svg class="chart" viewBox="0 0 600 160" role="img" aria-label="Ca &quot;mới&quot;">'
    )
    assert svg.count('<rect class="bar onset"') == 3
    assert "<title>1.5</title>" in svg and "," not in svg.split("points=")[0].split("viewBox")[1].replace(
        "0 0 600 160", ""
    )
    assert f'<polyline points="{chart.line_points}"/>' in svg


def test_an_open_data_row_shows_suppressed_counts_as_below_the_threshold():
    from datetime import date

    from epiqr.dashboards.opendata import OpenRow

    row = OpenRow(date(2026, 11, 3), 46, "Huế", 1900, "Phường <Vỹ Dạ>", None, 0, 120, 118, None, None)
    leveled = OpenRow(date(2026, 11, 4), 46, "Huế", 1900, "Phường Vỹ Dạ", 7, 5, 130, 129, 6, 2)
    with translation.override("en"):
        html = _render("{% open_rows rows 5 %}", rows=[row, leveled])
        empty = _render("{% open_rows rows 5 %}", rows=[])
    first, second = html.splitlines()
    assert first.startswith("<tr><td>03/11/2026</td>") and "Phường &lt;Vỹ Dạ&gt;" in first
    assert 'data-label="Cases by confirmation">&lt;5<' in first and 'data-label="Cases by onset">0<' in first
    assert 'data-label="Positives">&lt;5<' in first and 'data-label="Level">—<' in first
    assert 'data-label="Positives">6<' in second and 'data-label="Level">2<' in second
    assert 'colspan="8"' in empty
