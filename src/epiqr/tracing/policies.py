"""Tracing policies: versioned data chosen by name or by date, turned into the engine's Policy."""

from datetime import date

from django.utils.translation import gettext_lazy as _

from epiqr.core.errors import Invalid, NotFound

from . import engine
from .models import TracingPolicy


def policy_list() -> list[TracingPolicy]:
    return list(TracingPolicy.objects.all())


def policy_get(*, name: str | None = None, on: date | None = None) -> TracingPolicy:
    """The latest version of a named policy, or the default policy in force on a day."""
    if name:
        # Raw lookup by the unique (name, version) index: every trace names its policy.
        row = next(
            iter(
                TracingPolicy.objects.raw(
                    f"SELECT * FROM {TracingPolicy._meta.db_table} WHERE name = %s ORDER BY version DESC LIMIT 1",
                    [name],
                )
            ),
            None,
        )
        if row is None:
            names = ", ".join(sorted(set(TracingPolicy.objects.values_list("name", flat=True))))
            raise Invalid(
                _("There is no tracing policy '%(name)s'. There are: %(names)s.")
                % {"name": name, "names": names},
                field="policy",
            )
        return row
    qs = TracingPolicy.objects.filter(is_default=True)
    row = qs.filter(effective_from__lte=on or date.today()).order_by("-effective_from", "-version").first()
    row = row or qs.order_by("effective_from").first()
    if row is None:
        raise NotFound(_("There is no tracing policy yet."), code="no_policy")
    return row


def policy_engine(row: TracingPolicy) -> engine.Policy:
    return engine.Policy.from_dict(
        {
            **row.params,
            "name": row.name,
            "rule": row.rule,
            "version": row.version,
            "effective_from": row.effective_from,
        }
    )
