"""The list of EpiQR's domain packages: the ONE place a domain is added (docs/development.md, "How to add a
domain"). Settings (INSTALLED_APPS), the page URLs, the API routers, the demo, background jobs,
scheduled work and events are all derived from it.

The order is the layer order, bottom first: a domain may import the domains listed before it, never one
listed after it (reactions upward go through `epiqr.core.events`). `core` is the bottom of every other.
The order is also the order of INSTALLED_APPS (templates, static files and translations of a domain
listed earlier win) and the order the demo world is built in.
"""

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

DOMAINS = (
    "core",  # shared pieces: permissions registry, audit, jobs, events, exports, codes, time
    "geo",  # provinces and communes
    "accounts",  # staff users, roles, scopes, API tokens
    "notify",  # the outbox: SMS, email, push behind adapters
    "people",  # the person registry, documents, citizen proofs
    "venues",  # venues, their codes and posters
    "cases",  # F0 cases (a check-in refused at the door asks cases)
    "checkins",  # check-ins, declarations, imports
    "tracing",  # exposure engine, runs, contacts, clusters
    "testing",  # sampling, tubes, pools, lab results
    "checkpoints",  # movement permits, checkpoints and their officers, passages
    "cameras",  # camera frames: codes into passages, crowd counts, quarantined doors, alerts
    "vaccination",  # doses, sessions, certificates (EU DCC format), the personal health status
    "quarantine",  # F1/F2 quarantine by policy, symptom diaries, calls, contact -> case
    "care",  # F0 patients, treatment facilities, beds, routing, home monitoring, release
    "hotline",  # the 1022 hotline: requests, queues, escalation (reacts to the others)
    "dashboards",  # read models: epidemic levels, curves, deployment campaign (the top layer)
    "audit",  # the audit log viewer and its alert (reads every domain's people through people)
)


def installed_apps() -> list[str]:
    """The domains as Django apps, for INSTALLED_APPS."""
    return [f"epiqr.{domain}" for domain in DOMAINS]


def domain_modules(name: str, order: tuple[str, ...] = DOMAINS) -> Iterator[tuple[str, ModuleType]]:
    """Each domain's `<domain>.<name>` module that exists, in order; a broken import still raises."""
    for domain in order:
        try:
            module = import_module(f"epiqr.{domain}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"epiqr.{domain}.{name}":
                raise
            continue
        yield domain, module


def domain_of(module_name: str) -> str | None:
    """The domain a dotted module name belongs to (`epiqr.cases.flows` -> `cases`), None outside them."""
    parts = module_name.split(".")
    if len(parts) >= 2 and parts[0] == "epiqr" and parts[1] in DOMAINS:
        return parts[1]
    return None
