"""One language at a time, on every page: walked as every demo role (tests/pages.py), each page shows no
English message of our catalogues when it speaks Vietnamese, and no Vietnamese translation of one when it
speaks English. The Django admin is walked too, as the administrator.

A message counts when it is interface text (two words or more, and its translation differs from it): a
page segment equal to it, or containing a long one (four words or more), is a message left untranslated,
or a Vietnamese text written outside gettext. Data (names, addresses, commune names) is never a message.
"""

from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests import pages

pytestmark = pytest.mark.django_db

CATALOGUES = sorted(Path(__file__).resolve().parents[2].glob("src/epiqr/**/locale/vi/LC_MESSAGES/django.mo"))
LONG = 4  # words: a message this long is looked for inside a segment, a shorter one only as the whole


@cache
def _messages() -> tuple[frozenset, frozenset, tuple, tuple]:
    """(English ids, Vietnamese translations) as whole segments, and the long ones to look for inside."""
    import gettext

    english, vietnamese = set(), set()
    for path in CATALOGUES:
        with path.open("rb") as f:
            catalogue = gettext.GNUTranslations(f)._catalog  # the compiled catalogue the site reads
        for key, translation in catalogue.items():
            source = key[0] if isinstance(key, tuple) else key
            if not source or "%" in source or "{" in source or "\x04" in source:
                continue  # the header, messages with placeholders (never shown as their id), contexts
            if len(pages.WORD.findall(source)) < 2 or source.strip() == translation.strip():
                continue
            english.add(" ".join(source.split()))
            vietnamese.add(" ".join(translation.split()))

    def long(texts):
        return tuple(t for t in texts if len(pages.WORD.findall(t)) >= LONG)

    return frozenset(english), frozenset(vietnamese), long(english), long(vietnamese)


def _foreign(texts: list[str], whole: frozenset, inside: tuple) -> set[str]:
    found = set()
    for text in texts:
        if text in whole or text.rstrip(".:") in whole:
            found.add(text)
            continue
        found.update(m for m in inside if m in text)
    return found


def _walk(language: str, *, every_role: bool = True) -> tuple[list[str], int]:
    """Every page as every role in `language` (or each page once, by the first role that opens it): the
    foreign messages found (page, text), pages read."""
    from epiqr.accounts.models import User

    english, vietnamese, long_english, long_vietnamese = _messages()
    whole, inside = (english, long_english) if language == "vi" else (vietnamese, long_vietnamese)
    found, read, seen = [], 0, set()
    roles = [("anonymous", None), *((u, User.objects.get(username=u)) for u in pages.STAFF_LOGINS)]
    for who, user in roles:
        client = Client()
        if user is not None:
            pages.login(client, user)
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        walk = list(pages.pages_for(user))
        if who == "admin":
            walk += [pages.Page(p.name, p.url) for p in pages.admin_pages()]
        for page in walk:
            if not every_role and page.name in seen:
                continue
            response = client.get(page.url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            read += 1
            seen.add(page.name)
            texts = pages.visible_texts(response.content.decode(), admin=page.name.startswith("admin:"))
            found += [f"{who} {page.url}: {t!r}" for t in sorted(_foreign(texts, whole, inside))]
    return found, read


@pytest.fixture
def demo(db):
    call_command("demo", "--scale", "0.1", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_every_page_in_vietnamese_shows_no_english_message(demo):
    found, read = _walk("vi")
    assert read > 150, read  # the walk reached the pages of every role
    assert not found, "English on Vietnamese pages:\n" + "\n".join(sorted(set(found)))


def test_every_page_in_english_shows_no_vietnamese_translation(demo):
    found, read = _walk("en", every_role=False)  # the roles' differences were read in Vietnamese
    assert read > 50, read
    assert not found, "Vietnamese on English pages:\n" + "\n".join(sorted(set(found)))


def test_the_check_finds_a_message_left_in_english():
    """The walk's own check, on a made-up page: an untranslated message is found, data is not."""
    english, _vi, long_english, _lv = _messages()
    sample = next(iter(sorted(long_english)))
    texts = pages.visible_texts(f"<p>{sample}</p><p>Nguyễn Văn An</p><td>Phường Hoàn Kiếm</td>")
    assert _foreign(texts, english, long_english) == {sample}
