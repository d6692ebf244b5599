"""Results to citizens: the result slip's second factor, the public lookup limited per asker, and the
proof a phone keeps of a result it looked up."""

import hmac

from django.conf import settings
from django.utils.translation import gettext as _

from epiqr.core import ratelimit
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.services import audit_record
from epiqr.people.models import Device, ProofKind
from epiqr.people.services import SLIP_PROOF_DAYS, proof_grant

from . import slipcode
from .models import Tube, TubeMember
from .sampling import barcode_clean

# Failed lookups one asker (an address, see core.ratelimit) may make in the window. Only a well-formed
# code that matches nothing counts: a typo is caught by the code's check character and costs nothing.
LOOKUP_FAILURES = 20
LOOKUP_WINDOW = 3600


def slip_codes_ensure(*, tube: Tube) -> None:
    """Give a code to the members of a tube sampled before slips carried one (first print wins)."""
    for member_id in TubeMember.objects.filter(tube=tube, slip_code="").values_list("id", flat=True):
        TubeMember.objects.filter(pk=member_id, slip_code="").update(slip_code=slipcode.new())


def slip_verify(*, barcode: str, code: str) -> TubeMember | None:
    """The member whose slip carries this tube barcode and result code, or None. No rate limit here:
    callers facing the public limit the asker (see result_lookup)."""
    code = slipcode.normalise(code)
    try:
        barcode = barcode_clean(barcode)
    except Invalid:
        return None
    if code is None:
        return None
    found = None
    rows = TubeMember.objects.filter(tube__barcode=barcode).values_list("id", "slip_code")
    for member_id, stored in rows:
        # Compared in constant time, and every member compared, so timing tells nothing.
        if stored and hmac.compare_digest(stored, code):
            found = member_id
    if found is None:
        return None
    return TubeMember.objects.select_related("person", "tube", "session__site").get(pk=found)


def result_lookup(*, barcode: str, code: str, asker: str) -> TubeMember:
    """A person's result from their slip: the tube barcode and the slip's result code. An unknown tube
    and a wrong code get the same answer. Failed tries are limited per asker, never per tube: someone
    hammering a tube cannot stop its owner getting the result."""
    limit_key = f"testing:lookup:asker:{asker}"
    if ratelimit.spent(limit_key, limit=LOOKUP_FAILURES):
        raise ratelimit.RateLimited(
            _("Too many wrong tries from this connection. Try again in an hour or call %(hotline)s.")
            % {"hotline": settings.EPIQR_HOTLINE}
        )
    if slipcode.normalise(code) is None:
        raise Invalid(
            _("This result code is not right: check each character on your slip (11 letters and digits)."),
            field="code",
            code="bad_code",
        )
    member = slip_verify(barcode=barcode, code=code)
    if member is None:
        ratelimit.count(limit_key, window=LOOKUP_WINDOW)
        raise NotFound(_("No result matches this tube number and result code."), code="no_match")
    audit_record(actor=None, action="testing.result_lookup", target=member)
    return member


SLIP_PROOF_TYPE = "testing.tubemember"


def result_proofs_grant(*, device: Device, members: list[TubeMember]) -> None:
    """A phone that looked a result up with the slip's second factor keeps that result, and only that one,
    on My results (people.services.proof_grant, kind "slip")."""
    for m in members:
        proof_grant(
            device=device,
            person=m.person,
            kind=ProofKind.SLIP,
            object_type=SLIP_PROOF_TYPE,
            object_id=str(m.pk),
            days=SLIP_PROOF_DAYS,
        )
