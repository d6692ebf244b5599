"""The audit log viewer (administrators): who read whose personal data, when, why; alerts highlighted."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from epiqr.core import audit, export
from epiqr.core.audit import reads_personal_data
from epiqr.core.permissions import requires
from epiqr.core.timeutil import local

from . import permissions, selectors, services

EXPORT_LIMIT = 100_000  # rows of one export; narrow the filters for more


@requires(permissions.VIEW)
@reads_personal_data("audit.view")
def event_list(request):
    page = selectors.EVENTS.get(
        selectors.event_list_visible_to(user=request.user), request.GET, user=request.user
    )
    person_text = page.query.values.get("person", "")
    audit.annotate(row_count=len(page.items), detail=page.query.params())
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx") and not page.query.errors:
        return _export(request, page, fmt=fmt)
    people = _people(person_text) if person_text else []
    return render(
        request,
        "audit/events.html",
        {
            "page": page,
            "alert_action": selectors.ALERT,
            "people": people,
            "limit": services.people_per_hour_limit(),
            "export_csv": page.url(format="csv", page=None),
            "export_xlsx": page.url(format="xlsx", page=None),
        },
        status=400 if page.query.errors else 200,
    )


def _people(text: str):
    """Who the person filter stands for, shown above the list (reading them is part of this audited read)."""
    from epiqr.people.selectors import people_by_id

    return people_by_id(person_ids=selectors.person_ids_matching(text)[:20])


def _export(request, page, *, fmt: str):
    """The whole filtered log (not only the page shown), through the shared writer."""
    qs = selectors.EVENTS.narrow(selectors.event_list_visible_to(user=request.user), page.query)[
        :EXPORT_LIMIT
    ]
    audit.annotate(detail={"export": fmt})
    rows = (
        [
            local(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor.username if e.actor else "",
            e.action,
            f"{e.target_type}:{e.target_id}" if e.target_type else "",
            e.reason,
            e.people_count if e.people_count is not None else "",
            e.row_count if e.row_count is not None else "",
            e.detail.get("path", ""),
        ]
        for e in qs.iterator(chunk_size=2000)
    )
    sheet = export.Sheet(
        title=_("Audit log"),
        header=[_("Time"), _("Account"), _("Action"), _("Object"), _("Reason"), _("People read"), _("Rows"),
                _("Address")],
        rows=rows,
    )  # fmt: skip
    return export.response(sheet, fmt=fmt, filename=f"nhat-ky-truy-cap.{fmt}")
