"""The long tables of the dashboards (a province's communes, the map's communes, clusters and crowded
places) drawn row by row in Python: a template loop with a link and a level badge per row spent about half
a millisecond a row, a province officer's commune table over 70 ms. The markup is the template's as it was:
`cards` tables whose cells carry their column's name for the 390 px layout. In a template:

    {% load dashboard_tables %}
    <tbody>{% commune_rows rows area days %}</tbody>
    <tbody>{% map_commune_rows data.communes 200 %}</tbody>
    <tbody>{% place_rows clusters %}</tbody>   {# or crowded: people and capacity #}
"""

from django import template
from django.urls import reverse
from django.utils.formats import localize, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from epiqr.dashboards.presenting import LEVEL_COLOURS

register = template.Library()
_CODE = 987654321  # reversed once with this code, then substituted: one reverse() per table, not per row


def _history_url(kind: str):
    pattern = reverse("dashboards:level_history", args=[kind, _CODE])
    return lambda code: pattern.replace(str(_CODE), str(code))


def _level_badge(level: int | None, url: str) -> str:
    if not level:
        return "—"
    return f'<a class="level level-{LEVEL_COLOURS[level]}" href="{url}">{level}</a>'


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value, decimal_pos=2)}%"


def _cell(label: str, content) -> str:
    return f'<td data-label="{label}">{content}</td>'


def _labels(*texts: str) -> list[str]:
    return [escape(_(t)) for t in texts]


# Rows are written as f-strings: every text that is not ours (a commune's or a venue's name) goes through
# escape(), numbers through localize() (the page's language), labels are escaped translations; format_html
# per cell cost as much as the template did.


@register.simple_tag
def commune_rows(rows, area, days: int):
    """The dashboard's commune table: name (opening the commune), latest level (its history), cases in the
    period, active cases, contacts in quarantine, people sampled, with a result, positives, positivity."""
    if not rows:
        return format_html(
            '<tr><td colspan="9" class="muted">{}</td></tr>', _("Nothing recorded in this period.")
        )
    history = _history_url("commune")
    province = f"province={int(area.province_id)}&amp;" if area.province_id else ""
    level, *counts, positivity = _labels(
        "Level",
        "Cases in the period",
        "Active cases",
        "Contacts in quarantine",
        "People sampled",
        "With a result",
        "Positives",
        "Positivity",
    )
    out = []
    for r in rows:
        values = (r.confirmed, r.active, r.quarantined, r.samples, r.resulted, r.positives)
        out.append(
            f'<tr><td><a href="?{province}commune={int(r.commune_id)}&amp;days={int(days)}">{escape(r.name)}</a></td>'
            + _cell(level, _level_badge(r.level, history(r.commune_id)))
            + "".join(_cell(label, localize(value)) for label, value in zip(counts, values, strict=True))
            + _cell(positivity, _percent(r.positivity_percent))
            + "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - see above


@register.simple_tag
def map_commune_rows(communes, limit: int):
    """The map's commune table, the first `limit` (highest levels first): name, level (its history), new
    cases per 100,000 in 7 days."""
    history = _history_url("commune")
    level, rate = _labels("Level", "New cases per 100,000 in 7 days")
    return mark_safe(  # noqa: S308 - see above
        "".join(
            f"<tr><td>{escape(c.name)}</td>"
            + _cell(level, _level_badge(c.level, history(c.code)))
            + _cell(rate, "—" if c.rate is None else number_format(c.rate, decimal_pos=1))
            + "</tr>\n"
            for c in communes[:limit]
        )
    )


@register.simple_tag
def place_rows(places, crowded: bool = False):
    """The map's clusters (venue, commune, cases) or crowded places now (place, commune, people, capacity
    or threshold)."""
    if not places:
        empty = _("No crowded place now.") if crowded else _("No cluster in the last 14 days.")
        return format_html('<tr><td colspan="{}" class="muted">{}</td></tr>', 4 if crowded else 3, empty)
    commune, cases, people, limit = _labels("Commune", "Cases", "People", "Capacity or threshold")
    out = []
    for p in places:
        row = f"<tr><td>{escape(p.name)}</td>" + _cell(commune, escape(p.commune))
        if crowded:
            row += _cell(people, localize(p.count)) + _cell(
                limit, "" if p.limit is None else localize(p.limit)
            )
        else:
            row += _cell(cases, localize(p.count))
        out.append(row + "</tr>\n")
    return mark_safe("".join(out))  # noqa: S308 - see above


@register.simple_tag
def open_rows(rows, threshold: int):
    """The open-data page's rows: day, commune, the five counts (a suppressed one reads "<threshold"),
    the level of that day."""
    if not rows:
        return format_html(
            '<tr><td colspan="8" class="muted">{}</td></tr>', _("Nothing recorded in this period.")
        )
    commune, level, *counts = _labels(
        "Commune",
        "Level",
        "Cases by confirmation",
        "Cases by onset",
        "People sampled",
        "With a result",
        "Positives",
    )
    hidden = f"&lt;{int(threshold)}"
    out = []
    for r in rows:
        values = (r.confirmed, r.onset, r.samples, r.resulted, r.positives)
        out.append(
            f"<tr><td>{r.day:%d/%m/%Y}</td>"
            + _cell(commune, escape(r.commune))
            + "".join(
                _cell(label, hidden if value is None else localize(value))
                for label, value in zip(counts, values, strict=True)
            )
            + _cell(level, "—" if r.level is None else int(r.level))
            + "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - see above
