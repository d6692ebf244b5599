import gettext
import re
from pathlib import Path

import pytest

LOCALES = sorted(Path(__file__).resolve().parents[2].glob("src/epiqr/**/locale/vi/LC_MESSAGES/django.po"))


def test_pages_are_vietnamese_whatever_the_browser_says(client, db):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Khai báo y tế" in page.content.decode()
    assert page["Content-Language"] == "vi"


def test_english_is_one_choice_away(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")
    assert "Health declaration" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Khai báo y tế" in client.get("/").content.decode()


@pytest.mark.parametrize("po", LOCALES, ids=lambda p: str(p.parts[-5]))
def test_every_catalogue_is_fully_translated(po):
    text = po.read_text(encoding="utf-8")
    entries = [
        e for e in text.split("\n\n") if re.search(r"^msgid ", e, re.MULTILINE)
    ]  # obsolete "#~" left out
    untranslated = []
    for entry in entries[1:]:  # the first entry is the header
        msgstr = entry.split("\nmsgstr", 1)[1] if "\nmsgstr" in entry else ""
        if "#, fuzzy" in entry or not re.search(r'"[^"]+"', msgstr):
            untranslated.append(entry.strip().splitlines()[-2][:80])
    assert untranslated == []
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    assert len(compiled) >= len(entries), "the .mo is older than the .po: run compilemessages"


def test_api_refusals_follow_the_chosen_language(client, db):
    assert client.get("/api/v1/accounts/me").json()["detail"] == "Cần đăng nhập hoặc mã API hợp lệ."
    client.cookies["django_language"] = "en"
    assert client.get("/api/v1/accounts/me").json()["detail"] == "Log in or send a valid API token."
