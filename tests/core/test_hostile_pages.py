"""Hostile input on every page: never a 500.

Staff of several roles and an anonymous visitor crawl the site from its home page (plus the public pages
a poster or a slip leads to) over the demo world, following links and collecting every form. Each form is
then sent back with hostile values in all its fields at once: a NUL character (refused with 400 before any
view), unpaired-surrogate escapes, integers beyond 64 bits, negative numbers, impossible dates, over-long
text, markup. Every query-string parameter a GET form uses gets the same treatment. Each request runs in
a savepoint rolled back after it, so the world stays the same for the next one.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client

from epiqr.venues.selectors import venue_url

# Same-site pages not crawled: leaving the session, Django's own admin, downloads that only render files.
SKIP = ("/accounts/logout/", "/i18n/", "/admin/", "/static/", "/api/")
SKIP_SUFFIXES = (".pdf", ".png", ".xlsx", ".csv")
MAX_PAGES = 40
CRAWLERS = ("demo-xa", "demo-chu-quan", "demo-lay-mau", "demo-xet-nghiem", None)

HOSTILE = {
    "huge": "9" * 40,
    "negative": "-" + "9" * 40,
    "dates": "0000-00-00",
    "long": "Nguyễn " * 3000,
    "markup": "<script>alert(1)</script>\"'&\u202e\ufeff𝕏 \\ud800 %ED%A0%80",
}


class Page(HTMLParser):
    """Links and forms (action, method, field names) of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": []}
            )
        elif tag in ("input", "select", "textarea") and self.forms and a.get("name"):
            if a.get("type") not in ("submit", "button", "image", "reset"):
                self.forms[-1]["fields"].append(a["name"])


def _local(base: str, href: str) -> str | None:
    target = urljoin(base, href)
    parts = urlsplit(target)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path
    if path.startswith(SKIP) or path.endswith(SKIP_SUFFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


ERRORS: list[str] = []


def _record(sender, **kwargs):
    import sys
    import traceback

    kind, exc, tb = sys.exc_info()
    frames = [f for f in traceback.extract_tb(tb) if "/src/epiqr/" in f.filename]
    where = f"{frames[-1].filename.split('/src/')[-1]}:{frames[-1].lineno}" if frames else "?"
    ERRORS.append(f"{kind.__name__}: {exc} at {where}")


def _last_error() -> str:
    return ERRORS[-1] if ERRORS else ""


def _in_savepoint(send):
    with transaction.atomic():
        try:
            return send()
        finally:
            transaction.set_rollback(True)


def crawl(client: Client, seeds: list[str]) -> tuple[list[str], list[tuple[str, dict]]]:
    seen, pages, forms, queue, kinds = set(), [], [], list(seeds), set()
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = _in_savepoint(lambda p=path: client.get(p, headers={"Accept": "text/html"}))
        assert response.status_code < 500, (path, response.status_code, _last_error())
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages.append(path)
        parser = Page()
        parser.feed(response.content.decode("utf-8", "replace"))
        for form in parser.forms:
            action = _local(path, form["action"]) or (None if form["action"] else path)
            kind = (form["method"], re.sub(r"[0-9]+", "N", action or ""), tuple(form["fields"]))
            if action and form["fields"] and kind not in kinds:  # the same form for another row: once
                kinds.add(kind)
                forms.append((action, form))
        queue += [p for p in (_local(path, href) for href in parser.links) if p and p not in seen]
    return pages, forms


def _log_in(client: Client, user) -> None:
    """A whole staff login, second factor included (the module-wide crawl starts before the per-test
    fixture that makes force_login do this)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from epiqr.core.permissions import needs_second_factor
    from tests.factories import otp_device

    client.force_login(user, "django.contrib.auth.backends.ModelBackend")
    if needs_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = otp_device(user).persistent_id
        session.save()


@pytest.fixture(scope="module")
def crawled(demo_world):
    """Per crawler: the pages it reached and the forms on them."""
    known = demo_world["known"]
    from epiqr.venues.models import Venue

    public = [
        "/",
        venue_url(venue=Venue.objects.get(pk=known["venue"][0])).split("://", 1)[-1].split("/", 1)[-1],
        "/declare/",
        "/testing/result/",
        "/c/mine",
        "/accounts/login/",
    ]
    public = ["/" + p.lstrip("/") for p in public]
    from django.core.signals import got_request_exception

    got_request_exception.connect(_record)
    found = {}
    for name in CRAWLERS:
        client = Client(raise_request_exception=False)
        if name:
            _log_in(client, demo_world["users"][name])
        found[name] = (client, *crawl(client, public))
    yield found
    got_request_exception.disconnect(_record)


@pytest.mark.parametrize("who", CRAWLERS, ids=[c or "anonymous" for c in CRAWLERS])
def test_hostile_values_in_every_form_are_never_a_500(crawled, who, db):
    client, pages, forms = crawled[who]
    assert pages, "the crawl reached no page"
    failures = []
    for action, form in forms:
        for label, value in HOSTILE.items():
            data = {field: value for field in form["fields"] if field != "csrfmiddlewaretoken"}
            if form["method"] == "get":
                target = action.split("?")[0] + "?" + urlencode(data)
                response = _in_savepoint(lambda t=target: client.get(t, headers={"Accept": "text/html"}))
            else:
                response = _in_savepoint(
                    lambda a=action, d=data: client.post(a, d, headers={"Accept": "text/html"})
                )
            if response.status_code >= 500:
                failures.append((form["method"], action, label, response.status_code, _last_error()))
        nul = {field: "a\x00b" for field in form["fields"] if field != "csrfmiddlewaretoken"}
        if form["method"] == "post" and nul:
            response = _in_savepoint(
                lambda a=action, d=nul: client.post(a, d, headers={"Accept": "text/html"})
            )
            if response.status_code != 400 or "NUL" not in response.content.decode():
                failures.append(("post", action, "nul", response.status_code))
    assert failures == [], "\n".join(map(str, failures))


def test_the_crawl_reaches_the_pages_of_each_role(crawled):
    """The fuzz above means something only if the staff pages with forms were reached."""
    pages = {who: set(found[1]) for who, found in crawled.items()}
    assert any(p.startswith("/cases/") for p in pages["demo-xa"])
    assert any(p.startswith("/testing/") for p in pages["demo-lay-mau"])
    assert any(p.startswith("/venues/") for p in pages["demo-chu-quan"])
    assert any(p.startswith("/v/") for p in pages[None])
    assert sum(len(found[2]) for found in crawled.values()) > 20


def test_a_nul_in_a_page_query_string_is_a_400_page(crawled):
    client = crawled["demo-xa"][0]
    response = client.get("/people/?q=a%00b", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"] and "NUL" in response.content.decode()


def test_a_body_over_the_limit_on_a_page_is_a_413_page(crawled, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = crawled["demo-xa"][0]
    response = client.post("/people/new/", {"full_name": "x" * 2000}, headers={"Accept": "text/html"})
    assert response.status_code == 413 and "text/html" in response["Content-Type"]


def test_a_script_posting_a_photo_over_the_limit_gets_json_it_can_show(crawled, settings):
    """The scan station's photo upload reads `detail` from JSON: the refusal must be JSON for it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = crawled["demo-lay-mau"][0]
    response = client.post("/people/scan/photo/", {"photo": "x" * 2000}, headers={"Accept": "*/*"})
    assert response.status_code == 413 and response.json()["code"] == "too_large"
