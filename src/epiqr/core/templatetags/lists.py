"""Template tags of the shared list piece (epiqr.core.lists): the filter form, the pager and sortable
column headers. In a list template:

    {% load lists %}
    {% list_filters page %}
    <table class="cards"><thead><tr>{% sort_th page "name" _("Name") %}...</tr></thead>...</table>
    {% list_pager page %}
"""

from django import template
from django.utils.html import format_html

from epiqr.core.lists import PAGE_SIZES

register = template.Library()


@register.inclusion_tag("core/_list_filters.html", takes_context=True)
def list_filters(context, page, live: str = "", **keep):
    """The filter and sort form. `live` is the selector of the element that holds the list: the
    prominent filters (a search box) then refresh it as one types (htmx), the address following.
    `keep` are extra parameters the form sends back unchanged."""
    request = context.get("request")
    user = getattr(request, "user", None)
    fields = page.fields(user)
    return {
        "page": page,
        "prominent": [f for f in fields if f.prominent and f.in_form],
        "fields": [f for f in fields if not f.prominent and f.in_form],
        "hidden": [f for f in fields if not f.in_form and f.typed],
        "page_sizes": sorted({*PAGE_SIZES, page.page_size}),
        "keep": sorted(keep.items()),
        "live": live,
        "path": getattr(request, "path", ""),
    }


@register.inclusion_tag("core/_pager.html")
def list_pager(page):
    return {"page": page}


@register.simple_tag
def page_url(page, number: int) -> str:
    """The address of page `number` of the same list (filters and sort kept)."""
    return page.page_url(number)


@register.simple_tag
def sort_th(page, key: str, label, css: str = ""):
    """A <th> whose title sorts the list by `key` (and the other way on a second click)."""
    state = page.sort_state(key)
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    return format_html(
        '<th{}{}><a href="{}">{}{}</a></th>',
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', state) if state else "",
        page.sort_url(key),
        label,
        arrow,
    )
