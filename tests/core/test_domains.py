"""The list of domains is typed once (core.domains.DOMAINS): apps, pages, API and docs follow from it."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.urls import get_resolver

import epiqr
from epiqr.api import api
from epiqr.core.domains import DOMAINS, domain_modules, domain_of
from epiqr.core.events import registry

SRC = Path(epiqr.__file__).parent
DOCS = SRC.parent.parent / "docs" / "development.md"


def test_every_domain_package_is_in_the_list_and_installed_in_its_order():
    packages = {p.parent.name for p in SRC.glob("*/apps.py")}
    assert packages == set(DOMAINS), "add the new package to core/domains.py:DOMAINS (one line)"
    ours = [app for app in settings.INSTALLED_APPS if app.startswith("epiqr.")]
    assert ours == [f"epiqr.{d}" for d in DOMAINS]
    assert [c.label for c in apps.get_app_configs() if c.name.startswith("epiqr.")] == list(DOMAINS)


def test_each_domains_pages_are_mounted_under_its_name():
    namespaces = get_resolver().namespace_dict
    for domain, _module in domain_modules("urls", DOMAINS[1:]):
        prefix, _resolver = namespaces[domain]
        assert prefix == f"{domain}/"
    assert namespaces["jobs"][0] == "jobs/"  # core's pages


def test_each_domains_api_router_is_mounted_under_its_name():
    mounted = {prefix.strip("/"): router for prefix, router in api._routers}
    for domain, module in domain_modules("api", DOMAINS[1:]):
        assert mounted[domain] is module.router
    assert mounted["jobs"] is domain_modules("api", ("core",)).__next__()[1].router


def test_domain_of_a_module():
    assert domain_of("epiqr.cases.flows") == "cases"
    assert domain_of("epiqr.settings") is None
    assert domain_of("tests.cases.test_cases") is None


def test_every_event_is_in_the_documented_event_list():
    """docs/development.md's event table names each declared event with its payload and emitter."""
    text = DOCS.read_text(encoding="utf-8")
    table = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|[^\n]*$", text, flags=re.MULTILINE)}
    declared = registry.catalogue()
    assert declared, "the domains declare events"
    for event, _handlers in declared:
        assert event.name in table, f"add {event.name} to the event table in docs/development.md"
        row = table[event.name]
        for name in event.fields:
            assert f"`{name}`" in row, f"{event.name}: the table misses the payload field {name}"
        assert event.domain in row, f"{event.name}: the table does not say {event.domain} emits it"
    assert set(table) <= {e.name for e, _ in declared}, "the table lists an event nobody declares"


def test_message_templates_live_in_their_domain():
    """notify sends the messages; each domain writes its own (`<domain>/templates/notify/messages/`)."""
    found: dict[str, list[str]] = {}
    for path in SRC.glob("*/templates/notify/messages/*.txt"):
        found.setdefault(path.name, []).append(path.parts[-5])
    assert found, "the domains' message templates"
    assert not [name for name, owners in found.items() if "notify" in owners], "notify holds no domain's text"
    assert {name: owners for name, owners in found.items() if len(owners) > 1} == {}
    assert found["tracing_review.txt"] == ["tracing"] and found["case_cancelled.txt"] == ["cases"]
