"""Nothing typed is lost: every form of every page, sent with what a hurried person types (wrong phone,
impossible date, a word where a number goes), that is refused comes back with everything typed still in
its fields; only passwords and files are not sent back, on purpose."""

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client

from tests import pages

pytestmark = pytest.mark.django_db

# Forms of the page frame and actions that take nothing typed.
SKIP_ACTIONS = ("/i18n/setlang/", "/accounts/logout/")
TYPED = {
    "number": "-7",
    "date": "2099-12-31",
    "datetime-local": "2099-12-31T10:00",
    "email": "khong-phai-email",
}
NOT_SENT_BACK = {"password", "file", "hidden", "submit", "button", "checkbox", "radio", "reset", "image"}


class _Forms(HTMLParser):
    """The POST forms of a page: action, and each field's name, type and first value."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            kind = "textarea" if tag == "textarea" else (a.get("type") or "text").lower()
            self._form["fields"].append(
                {
                    "name": a["name"],
                    "type": kind,
                    "value": a.get("value") or "",
                    "scan": "data-scan-input" in a,
                    "checked": "checked" in a,
                }
            )
        elif tag == "select" and a.get("name"):
            self._select = {
                "name": a["name"],
                "type": "select",
                "value": None,
                "scan": False,
                "checked": False,
            }
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            if self._select["value"] is None or "selected" in a:
                self._select["value"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [
        f
        for f in parser.forms
        if f["method"] == "post"
        and not f["action"].startswith(SKIP_ACTIONS)
        and any(x["type"] not in NOT_SENT_BACK and not x["scan"] for x in f["fields"])
    ]


def _typed(field: dict, n: int) -> str:
    return TYPED.get(field["type"], f"Gõ nhầm {n}")


def _kept(html: str, field: dict, value: str) -> bool:
    from django.utils.html import escape

    if field["type"] == "textarea":
        return (
            re.search(
                rf"<textarea[^>]*name=\"{re.escape(field['name'])}\"[^>]*>\s*{re.escape(escape(value))}", html
            )
            is not None
        )
    return f'value="{escape(value)}"' in html


def test_every_refused_form_comes_back_with_what_was_typed():
    call_command("demo", "--scale", "0.1", stdout=open("/dev/null", "w"))
    from epiqr.accounts.models import User

    lost, refused = [], 0
    roles = [("anonymous", None), *((u, User.objects.get(username=u)) for u in pages.STAFF_LOGINS)]
    for who, user in roles:
        client = Client()
        if user is not None:
            pages.login(client, user)
        for page in pages.pages_for(user):
            response = client.get(page.url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            for form in _post_forms(response.content.decode()):
                data, typed = {}, {}
                for n, field in enumerate(form["fields"]):
                    if field["type"] in ("hidden", "select"):
                        data[field["name"]] = field["value"] or ""
                    elif field["type"] in ("checkbox", "radio"):
                        if field["checked"]:
                            data.setdefault(field["name"], field["value"] or "on")
                    elif field["type"] not in NOT_SENT_BACK and not field["scan"]:
                        data[field["name"]] = typed[field["name"]] = _typed(field, n)
                    elif field["type"] == "password":
                        data[field["name"]] = "x"
                answer = client.post(form["action"] or page.url, data)
                if answer.status_code < 400 or not answer["Content-Type"].startswith("text/html"):
                    continue
                refused += 1
                html = answer.content.decode()
                for field in form["fields"]:
                    if field["name"] in typed and f'name="{field["name"]}"' in html:
                        if not _kept(html, field, typed[field["name"]]):
                            lost.append(f"{who} {page.url} -> {form['action'] or page.url}: {field['name']}")
    assert not lost, "\n".join(sorted(set(lost)))
    assert refused > 10  # the walk did reach forms that refuse what was typed
