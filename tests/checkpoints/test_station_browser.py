"""The checkpoint officer's phone page in real Chromium at 390 px: permits verified on the phone with the
cached keys (the page's answers equal the server's rules for every reason), the network cut and the page
still answering in under a second and reloading, passages kept and synced once when the network is back."""

from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from epiqr.checkpoints import keys, permit_code
from epiqr.checkpoints.models import Passage
from epiqr.checkpoints.rules import permit_verify
from epiqr.checkpoints.selectors import place_of
from epiqr.checkpoints.services import permit_claim
from epiqr.core.services import revocation_add
from epiqr.core.timeutil import local_today, now
from tests.factories import PASSWORD
from tests.people.payloads import cccd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scan(page, text: str) -> dict:
    page.evaluate(
        "() => { const v = document.getElementById('verdict'); v.dataset.outcome = ''; v.hidden = true; }"
    )
    page.fill("#scan-input", text)
    page.press("#scan-input", "Enter")
    page.wait_for_function("() => document.getElementById('verdict').dataset.outcome !== ''")
    return page.evaluate(
        "() => { const v = document.getElementById('verdict'); "
        "return {outcome: v.dataset.outcome, reasons: v.dataset.reasons, ms: Number(v.dataset.ms || 0), text: v.innerText}; }"
    )


def _variants(approved, checkpoint):
    """Permits that fail in each way (signed with the real key, or another), and the Python verdicts."""
    kid, sign = keys.permit_signer()
    base = permit_claim(approved)
    today = local_today()
    other_key = ec.generate_private_key(ec.SECP256R1())
    revoked = replace(base, serial=base.serial + 1000)
    revocation_add(purpose="permit", identifier=str(revoked.serial), reason="test")
    claims = {
        "valid": permit_code.encode(base, kid=kid, sign=sign),
        "expired": permit_code.encode(
            replace(base, valid_from=today - timedelta(days=20), valid_until=today - timedelta(days=1)),
            kid=kid,
            sign=sign,
        ),
        "weekday": permit_code.encode(
            replace(base, weekdays=127 & ~(1 << today.weekday())), kid=kid, sign=sign
        ),
        "area": permit_code.encode(replace(base, provinces=(), communes=(99999,)), kid=kid, sign=sign),
        "revoked": permit_code.encode(revoked, kid=kid, sign=sign),
        "forged": permit_code.encode(base, kid=kid, sign=permit_code.es256_signer(other_key)),
        "not_a_permit": "GD1:%%%%",
    }
    expected = {
        name: permit_verify(
            text,
            keys=keys.trusted_keys(),
            at=now(),
            place=place_of(checkpoint),
            revoked=keys.revoked_serials(),
        )
        for name, text in claims.items()
    }
    return claims, expected


def test_the_phone_page_verifies_offline_and_syncs_its_log_once(
    live_server, phone390_page, screenshot, browser_login, approved, chot, checkpoint
):
    page = phone390_page
    page.set_default_timeout(20000)
    claims, expected = _variants(approved, checkpoint)
    browser_login(page, live_server, chot.username, PASSWORD)
    page.goto(f"{live_server.url}/checkpoints/station/")  # the only checkpoint: straight to its page
    page.wait_for_function("() => document.getElementById('net').dataset.lists === '1'")
    page.wait_for_function("() => document.getElementById('station').dataset.offline === '1'")  # page kept

    # Online: the phone's answer is the server's rule, reason for reason.
    for name, text in claims.items():
        seen = _scan(page, text)
        want = expected[name]
        assert seen["outcome"] == ("valid" if want.valid else "not_valid"), (name, seen)
        assert seen["reasons"].split() == [str(r) for r in want.reasons], (name, seen)
    screenshot(page, "checkpoints-station-online")

    # The network is cut: the page still answers, from the cached keys, in under a second.
    page.context.set_offline(True)
    page.wait_for_function("() => document.getElementById('net').classList.contains('off')")
    seen = _scan(page, claims["valid"])
    assert seen["outcome"] == "valid" and seen["ms"] < 1000, seen
    # The holder's card, scanned next, is not the holder's: the same permit is now refused.
    page.fill("#scan-input", cccd(number="001090099999", name="Người Khác"))
    page.press("#scan-input", "Enter")
    page.wait_for_function(
        "() => document.getElementById('verdict').dataset.reasons.includes('holder_mismatch')"
    )
    seen = _scan(page, claims["revoked"])
    assert seen["reasons"] == "revoked"
    page.click("#done-button")
    screenshot(page, "checkpoints-station-offline")
    waiting = int(page.evaluate("() => document.getElementById('net').dataset.queue"))
    assert waiting >= 2

    # A reload without network: the service worker serves the page, the queue is still there.
    page.reload()
    page.wait_for_function(
        "() => document.getElementById('station') && document.getElementById('station').dataset.ready === '1'"
    )
    assert int(page.evaluate("() => document.getElementById('net').dataset.queue")) == waiting
    assert _scan(page, claims["area"])["reasons"] == "outside_area"
    page.click("#done-button")

    # Back online: everything is sent, once.
    stored_before = Passage.objects.count()
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.getElementById('net').dataset.queue === '0'")
    offline = Passage.objects.filter(at__gte=now() - timedelta(minutes=10)).order_by("at")
    outcomes = [(p.outcome, p.reasons) for p in offline]
    assert ("not_valid", ["holder_mismatch"]) in outcomes
    assert ("not_valid", ["revoked"]) in outcomes
    assert ("not_valid", ["outside_area"]) in outcomes
    assert all(p.officer_id == chot.pk and p.checkpoint_id == checkpoint.pk for p in offline)
    assert Passage.objects.count() - stored_before >= waiting
