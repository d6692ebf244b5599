"""Every route says whether it reads personal data (core.audit), and the declared ones are audited.

A route either carries `@reads_personal_data(action, ...)` (its reads are then written to the audit log
by one mechanism, core.middleware.AuditReads) or `@no_personal_data("why")`; views that are not ours to
decorate are listed below with the reason. A new route with neither fails here.
"""

import re

from epiqr.core.audit import NAMESPACES, PersonalRead, declaration_of
from tests.routes import all_routes, api_operations

# Routes whose views come from Django or Ninja, and why they show nobody's data.
FRAMEWORK = {
    "i18n/setlang/": "sets the language cookie and redirects",
    "accounts/logout/": "ends the session and redirects",
    "admin/login/": "redirects to our login page",
    "api/v1/openapi.json": "the API's schema",
    "api/v1/docs": "the API's documentation page",
    "api/v1/": "the API's root page (links to its documentation)",
}


def test_every_page_route_declares_its_personal_data():
    undeclared = []
    for route in all_routes():
        if route.is_api:
            continue  # judged per operation below (one URL pattern serves several methods)
        if route.pattern in FRAMEWORK:
            continue
        if route.is_admin:
            assert "admin" in NAMESPACES
            continue
        if declaration_of(route.callback) is None:
            undeclared.append(f"{route.pattern} ({route.name})")
    assert not undeclared, (
        "these routes neither declare @reads_personal_data(...) nor @no_personal_data('why') "
        "(epiqr.core.audit):\n" + "\n".join(undeclared)
    )


def test_every_api_operation_declares_its_personal_data():
    undeclared = [
        f"{method} {path} ({handler.__module__}.{handler.__name__})"
        for method, path, handler in api_operations()
        if declaration_of(handler) is None
    ]
    assert not undeclared, (
        "these API operations neither declare @reads_personal_data(...) nor @no_personal_data('why') "
        "under their @router decorator (epiqr.core.audit):\n" + "\n".join(undeclared)
    )


def test_api_routes_outside_the_operations_are_known():
    """The schema and docs pages are the only API URLs that are not operations."""
    operations = {path for _m, path, _h in api_operations()}
    others = []
    for route in all_routes():
        if not route.is_api or route.pattern in FRAMEWORK:
            continue
        path = "/" + route.pattern
        # Ninja writes "{int:venue_id}" in its operations and "<int:venue_id>" in its URL patterns.
        as_operation = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + m.group(1) + "}", path)
        if not any(re.sub(r"\{\w+:", "{", op) == as_operation for op in operations):
            others.append(route.pattern)
    assert not others, f"API URLs that are neither operations nor in FRAMEWORK: {others}"


def test_no_personal_data_entries_give_a_reason():
    for route in all_routes():
        declared = declaration_of(route.callback)
        if isinstance(declared, str):
            assert len(declared.strip()) >= 10, f"{route.pattern}: say why it shows no personal data"
    for method, path, handler in api_operations():
        declared = declaration_of(handler)
        if isinstance(declared, str):
            assert len(declared.strip()) >= 10, f"{method} {path}: say why it shows no personal data"
        elif isinstance(declared, PersonalRead):
            assert declared.action


def test_framework_entries_exist():
    """A FRAMEWORK entry that no longer matches a route is stale: remove it."""
    patterns = {r.pattern for r in all_routes()}
    stale = [p for p in FRAMEWORK if p not in patterns]
    assert not stale, f"stale FRAMEWORK entries: {stale}"
