"""Tracing policies: versioned data chosen by name or by date, turned into the engine's Policy."""

import copy
import time
from datetime import date

from django.utils.translation import gettext_lazy as _

from epiqr.core.errors import Invalid, NotFound

from . import engine
from .models import TracingPolicy


def policy_list() -> list[TracingPolicy]:
    return list(TracingPolicy.objects.all())


# Every trace looks its policy up, and policies change rarely (a new version, an edit in the admin): each
# process keeps what it read for POLICY_CACHE_SECONDS. A save or delete in this process forgets at once
# (policy_cache_clear, connected in apps.ready); the other workers see the change within the bound. A run
# records the version and parameters it used, whichever that was.
POLICY_CACHE_SECONDS = 30.0
_POLICY_CACHE_MAX = 1_000
_policies: dict[tuple[str | None, date | None], tuple[float, TracingPolicy]] = {}
_clock = time.monotonic


def policy_cache_clear(**_signal) -> None:
    _policies.clear()


def policy_get(*, name: str | None = None, on: date | None = None) -> TracingPolicy:
    """The latest version of a named policy, or the default policy in force on a day (cached for
    POLICY_CACHE_SECONDS)."""
    key = (name, None) if name else (None, on or date.today())
    hit = _policies.get(key)
    if hit is not None and hit[0] > _clock():
        return hit[1]
    row = _policy_read(name=name, on=key[1])
    if len(_policies) >= _POLICY_CACHE_MAX:
        _policies.clear()
    _policies[key] = (_clock() + POLICY_CACHE_SECONDS, row)
    return row


def _policy_read(*, name: str | None, on: date | None) -> TracingPolicy:
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
    row = qs.filter(effective_from__lte=on).order_by("-effective_from", "-version").first()
    row = row or qs.order_by("effective_from").first()
    if row is None:
        raise NotFound(_("There is no tracing policy yet."), code="no_policy")
    return row


def policy_engine(row: TracingPolicy) -> engine.Policy:
    """The engine's policy of a row. Made once per row object while its content is unchanged (every trace
    asks, and policy_get hands out the same cached row): an edited row, even unsaved, gets a new one."""
    content = (row.name, row.rule, row.version, row.effective_from)
    made = row.__dict__.get("_engine_policy")
    if made is not None and made[0] == content and made[1] == row.params:
        return made[2]
    policy = engine.Policy.from_dict({**row.params, **dict(zip(_ROW_FIELDS, content, strict=True))})
    row.__dict__["_engine_policy"] = (content, copy.deepcopy(row.params), policy)
    return policy


_ROW_FIELDS = ("name", "rule", "version", "effective_from")
