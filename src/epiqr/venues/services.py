"""Writes on venues: registration (one, or a whole sheet at once), updates, poster revocation, and the
counted lookup of a code a citizen typed."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.accounts.selectors import user_in_jurisdiction
from epiqr.accounts.services import user_create
from epiqr.core import ratelimit
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.imports import ImportReport
from epiqr.core.permissions import Role, has_capability
from epiqr.core.progress import Progress
from epiqr.core.services import audit_record
from epiqr.core.sheets import SheetError
from epiqr.core.text import fold
from epiqr.core.timeutil import aware, local_today, now
from epiqr.geo.models import Commune
from epiqr.people.phones import normalise_phone

from . import importing, safety
from .codes import TypedCode, code_display, code_make, code_read
from .models import SafetyAssessment, Sector, Venue
from .permissions import SELF_ASSESS

MAX_CAPACITY = 1_000_000
_SPACES = re.compile(r"\s+")


def _clean_text(value: Any) -> str:
    return _SPACES.sub(" ", str(value or "")).strip()


def venue_clean(
    *,
    name: str,
    sector: str,
    address: str,
    commune_id: int | None,
    phone: str = "",
    capacity: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> dict:
    """Validate venue fields and return them normalised; raise Invalid naming the first bad field.

    Does not read the commune (callers check it exists, once per request or once per sheet).
    """
    name = _clean_text(name)
    if not name:
        raise Invalid(_("The venue name is required."), field="name")
    if len(name) > 200:
        raise Invalid(_("The venue name is too long (at most 200 characters)."), field="name")
    if sector not in Sector.values:
        raise Invalid(_("Unknown sector: %(sector)s.") % {"sector": sector}, field="sector")
    address = _clean_text(address)
    if not address:
        raise Invalid(_("The address is required."), field="address")
    if len(address) > 255:
        raise Invalid(_("The address is too long (at most 255 characters)."), field="address")
    if not commune_id:
        raise Invalid(_("Choose the commune or ward."), field="commune")
    phone = normalise_phone(phone, optional=True)
    if capacity is not None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise Invalid(_("Capacity must be a whole number of people, at least 1."), field="capacity")
        if capacity > MAX_CAPACITY:
            raise Invalid(_("Capacity is unrealistically large."), field="capacity")
    if sector == Sector.EVENT:
        if starts_at is None or ends_at is None:
            raise Invalid(_("An event needs a start and an end time."), field="starts_at")
        starts_at, ends_at = aware(starts_at), aware(ends_at)
        if starts_at >= ends_at:
            raise Invalid(_("An event must end after it starts."), field="ends_at")
    elif starts_at is not None or ends_at is not None:
        raise Invalid(
            _("Only events have a start and end time; choose the sector Event or leave the times empty."),
            field="starts_at",
        )
    return {
        "name": name,
        "name_folded": fold(name),
        "sector": sector,
        "address": address,
        "commune_id": int(commune_id),
        "phone": phone,
        "capacity": capacity,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }


def _check_actor_may_place(*, actor, commune_id: int) -> None:
    """Officers register venues only inside their jurisdiction; owners anywhere (for themselves)."""
    if actor is None or actor.is_superuser or actor.role == Role.ADMIN:
        return
    if actor.role in Role.OFFICERS and not user_in_jurisdiction(user=actor, commune_id=commune_id):
        raise Forbidden(_("This commune is outside your jurisdiction."), field="commune")


def _commune_exists(commune_id: int) -> None:
    if not Commune.objects.filter(pk=commune_id).exists():
        raise Invalid(_("Unknown commune or ward."), field="commune")


def _duplicate_of(*, name_folded: str, address: str, commune_id: int, exclude_pk=None) -> Venue | None:
    qs = Venue.objects.filter(name_folded=name_folded, commune_id=commune_id, is_active=True)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    folded_address = fold(address)
    return next((v for v in qs if fold(v.address) == folded_address), None)


def venue_codes_new(count: int) -> list[str]:
    """`count` fresh venue codes, distinct from each other and from every stored code."""
    codes: set[str] = set()
    while len(codes) < count:
        batch = {code_make() for _i in range(count - len(codes))}
        taken = set(Venue.objects.filter(code__in=batch).values_list("code", flat=True))
        codes |= batch - taken
    return sorted(codes)


def venue_register(
    *,
    name: str,
    sector: str,
    address: str,
    commune_id: int,
    phone: str = "",
    capacity: int | None = None,
    owner=None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    actor: User | None = None,
) -> Venue:
    """Register one venue and give it a fresh public code.

    The same name at the same address in the same commune cannot be registered twice.
    """
    data = venue_clean(
        name=name,
        sector=sector,
        address=address,
        commune_id=commune_id,
        phone=phone,
        capacity=capacity,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    _commune_exists(data["commune_id"])
    _check_actor_may_place(actor=actor, commune_id=data["commune_id"])
    if _duplicate_of(name_folded=data["name_folded"], address=data["address"], commune_id=data["commune_id"]):
        raise Invalid(
            _("A venue with this name and address is already registered in this commune."),
            code="duplicate",
            field="name",
        )
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return Venue.objects.create(code=venue_codes_new(1)[0], owner=owner, **data)
        except IntegrityError:  # two registrations drew the same code at the same instant: draw again
            continue
    raise Invalid(_("Could not allocate a venue code; please try again."), code="code_exhausted")


def venue_owner_signup(
    *,
    username: str,
    password: str,
    full_name: str,
    owner_phone: str = "",
    email: str = "",
    venue: dict,
) -> Venue:
    """A shop owner's self-service registration: their venue_owner account and their venue, together.

    Both are validated before anything is stored; if either fails nothing is created.
    """
    username = (username or "").strip()
    if not re.fullmatch(r"[\w.@+-]{3,150}", username):
        raise Invalid(
            _("Choose a login name of 3 or more letters, digits or . @ + - _ (no spaces)."),
            field="username",
        )
    full_name = _clean_text(full_name)
    if not full_name:
        raise Invalid(_("Your full name is required."), field="full_name")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), field="password") from exc
    try:
        owner_phone = normalise_phone(owner_phone, optional=True)
    except Invalid as exc:
        raise Invalid(exc.message, field="owner_phone") from exc
    venue_clean(**venue)
    with transaction.atomic():
        owner = user_create(
            username=username,
            password=password,
            role=Role.VENUE_OWNER,
            full_name=full_name,
            phone=owner_phone,
            email=email,
        )
        return venue_register(**venue, owner=owner, actor=owner)


_UPDATABLE = {"name", "sector", "address", "commune_id", "phone", "capacity", "starts_at", "ends_at"}


def venue_update(*, venue: Venue, actor: User | None, is_active: bool | None = None, **changes) -> Venue:
    """Change a venue's details; the code and poster token stay the same (posters keep working)."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    current = {
        "name": venue.name,
        "sector": venue.sector,
        "address": venue.address,
        "commune_id": venue.commune_id,
        "phone": venue.phone,
        "capacity": venue.capacity,
        "starts_at": venue.starts_at,
        "ends_at": venue.ends_at,
    }
    current.update(changes)
    if current["sector"] != Sector.EVENT and "sector" in changes:
        current["starts_at"] = current["ends_at"] = None  # no longer an event
    data = venue_clean(**current)
    if data["commune_id"] != venue.commune_id:
        _commune_exists(data["commune_id"])
        _check_actor_may_place(actor=actor, commune_id=data["commune_id"])
    if _duplicate_of(
        name_folded=data["name_folded"],
        address=data["address"],
        commune_id=data["commune_id"],
        exclude_pk=venue.pk,
    ):
        raise Invalid(
            _("A venue with this name and address is already registered in this commune."),
            code="duplicate",
            field="name",
        )
    for key, value in data.items():
        setattr(venue, key, value)
    if is_active is not None:
        venue.is_active = is_active
    venue.save()
    return venue


def venue_token_revoke(*, venue: Venue, actor: User | None) -> Venue:
    """Invalidate every poster printed so far (lost, copied or misused posters): the owner reprints."""
    Venue.objects.filter(pk=venue.pk).update(token_generation=F("token_generation") + 1)
    venue.refresh_from_db(fields=["token_generation", "updated_at"])
    audit_record(
        actor=actor,
        action="venue.token_revoke",
        target=venue,
        detail={"generation": venue.token_generation},
    )
    return venue


@dataclass
class VenuesImportReport(ImportReport):
    """The shared import report, plus the venues created with the sheet line each came from."""

    created: list[Venue] = field(default_factory=list)
    created_lines: list[int] = field(default_factory=list)


def venues_import(
    *,
    actor: User | None,
    rows: list[dict] | None = None,
    file: bytes | None = None,
    filename: str = "",
    owner=None,
    progress: Progress | None = None,
) -> VenuesImportReport:
    """Register many venues from a sheet, all or nothing.

    Every row is validated first (missing name, unknown commune or sector, bad phone, a duplicate of
    another row or of a registered venue, ...). If any row fails nothing is stored and the report says
    which rows failed and why; otherwise every venue is inserted in one transaction.
    `rows` are dicts already keyed by field (name, sector, address, commune, phone, capacity, starts_at,
    ends_at, province) with their row number under "_row"; or pass `file` (.xlsx or .csv bytes).
    `progress` (core.progress) hears of each row checked and each row refused, with the reason.
    """
    progress = progress or Progress()
    report = VenuesImportReport(progress=progress)
    if rows is None:
        try:
            rows = importing.read_sheet(file or b"", filename=filename)
        except SheetError as exc:
            report.refuse_file(exc.message)
            return report
    if not rows:
        report.refuse_file(_("The file has no venue rows."))
        return report
    if len(rows) > importing.MAX_ROWS:
        report.refuse_file(
            _("Too many rows (%(n)d); import at most %(max)d at a time.")
            % {"n": len(rows), "max": importing.MAX_ROWS}
        )
        return report
    report.read = len(rows)
    progress.start(total=len(rows), stage=_("Checking rows"))
    resolver = importing.CommuneResolver(actor=actor)
    seen: dict[tuple, int] = {}
    problems: dict[int, tuple[str, list[str]]] = {}  # line -> (venue name, what is wrong)
    cleaned: list[tuple[int, dict]] = []
    for index, raw in enumerate(rows, start=2):
        progress.advance()
        number = int(raw.get("_row") or index)
        errors: list[str] = []
        problems[number] = (_clean_text(raw.get("name")), errors)
        data = importing.row_to_fields(raw, resolver=resolver, errors=errors)
        if errors:
            continue
        try:
            data = venue_clean(**data)
        except Invalid as exc:
            errors.append(exc.message)
            continue
        if actor is not None and actor.role in Role.OFFICERS and not resolver.in_scope(data["commune_id"]):
            errors.append(_("The commune is outside your jurisdiction."))
            continue
        key = (data["name_folded"], fold(data["address"]), data["commune_id"])
        if key in seen:
            errors.append(
                _("Duplicate of row %(row)d (same name, address and commune).") % {"row": seen[key]}
            )
            continue
        seen[key] = number
        cleaned.append((number, data))
    # Registered venues with the same name and address: one query for the whole sheet.
    names = {data["name_folded"] for _line, data in cleaned}
    existing = {
        (v.name_folded, fold(v.address), v.commune_id): v.code
        for v in Venue.objects.filter(name_folded__in=names, is_active=True).only(
            "name_folded", "address", "commune_id", "code"
        )
    }
    for number, data in cleaned:
        code = existing.get((data["name_folded"], fold(data["address"]), data["commune_id"]))
        if code:
            problems[number][1].append(_("Already registered (venue code %(code)s).") % {"code": code})
    for number, (name, errors) in problems.items():
        if errors:
            report.refuse(line=number, reason=" ".join(str(e) for e in errors), key=name)
    if not report.ok:
        return report
    progress.stage(_("Storing"))
    codes = venue_codes_new(len(cleaned))
    venues = [
        Venue(code=code, owner=owner, **data) for code, (_line, data) in zip(codes, cleaned, strict=True)
    ]
    with transaction.atomic():
        report.created = Venue.objects.bulk_create(venues, batch_size=500)
        if not all(v.pk for v in report.created):  # backends without RETURNING: read the ids back
            by_code = dict(Venue.objects.filter(code__in=codes).values_list("code", "pk"))
            for v in report.created:
                v.pk = by_code[v.code]
        audit_record(
            actor=actor,
            action="venue.import",
            row_count=len(report.created),
            detail={"filename": filename[:200]},
        )
    report.stored = len(report.created)
    report.created_lines = [number for number, _data in cleaned]
    return report


# --- citizens typing the code printed on a poster ----------------------------------------------------

# A citizen who cannot scan types the code. A typing mistake is caught by the check character before any
# lookup and costs nothing; only well-formed codes naming no venue count as guesses. 31 symbols and a
# check character leave about 887 million well-formed codes, so at this rate a guesser needs years to
# hit one of a few hundred thousand venues, while a crowd behind one carrier address never gets near it.
CODE_GUESS_LIMIT = 20  # well-formed unknown codes per asker (network address) and window
CODE_GUESS_WINDOW = 600  # seconds


def _code_refusal(typed: TypedCode) -> Invalid:
    """The message a person can act on for each way typed text fails to be a code."""
    if typed.problem == "missing":
        return Invalid(
            _("Enter the venue code printed on the poster under the QR code."),
            code="code_missing",
            field="code",
        )
    if typed.problem == "accents":
        return Invalid(
            _(
                "Your keyboard added Vietnamese accents (%(chars)s). Switch it to English (ABC) or turn "
                "accents off, then type the code again."
            )
            % {"chars": typed.detail},
            code="code_accents",
            field="code",
        )
    if typed.problem == "letters":
        return Invalid(
            _(
                "Venue codes never contain %(chars)s. They use the digits 2-9 and the letters A-Z without "
                "I, L and O; look at the poster again."
            )
            % {"chars": " ".join(typed.detail)},
            code="code_letters",
            field="code",
        )
    if typed.problem == "length":
        return Invalid(
            _("A venue code has 7 characters; you typed %(n)s. Check the poster again.")
            % {"n": typed.detail},
            code="code_length",
            field="code",
        )
    return Invalid(
        _("This venue code has a typing mistake. Check each character against the poster."),
        code="code_mistyped",
        field="code",
    )


def venue_code_lookup(*, text: str, asker: str) -> Venue:
    """The active venue whose code a citizen typed (case, spaces and dashes forgiven, see codes.code_read).

    Refusals: `Invalid` with a precise reason for text that cannot be a code (no lookup, not counted);
    `RateLimited` once the asker (core.ratelimit.asker_key) has made CODE_GUESS_LIMIT unknown guesses in the window; `NotFound`
    for a well-formed code of no venue (counted); `Invalid` (`venue_inactive`) for a closed venue.
    """
    typed = code_read(text)
    if typed.problem:
        raise _code_refusal(typed)
    key = f"venues:code-guess:{asker}"
    if ratelimit.spent(key, limit=CODE_GUESS_LIMIT):
        raise ratelimit.RateLimited(
            _(
                "Too many codes that match no venue were typed from this network. Wait %(minutes)d minutes, "
                "scan the poster's QR code, or ask the staff at the entrance."
            )
            % {"minutes": CODE_GUESS_WINDOW // 60},
            field="code",
        )
    try:
        venue = Venue.objects.select_related("commune", "commune__province").get(code=typed.code)
    except Venue.DoesNotExist:
        ratelimit.count(key, window=CODE_GUESS_WINDOW)
        raise NotFound(
            _("No venue has the code %(code)s. Check it against the poster.")
            % {"code": code_display(typed.code)},
            code="code_unknown",
            field="code",
        ) from None
    if not venue.is_active:
        raise Invalid(_("This venue is no longer active."), code="venue_inactive", field="code")
    return venue


def venue_safety_assess(*, venue: Venue, actor: User, answers: dict[str, Any]) -> SafetyAssessment:
    """The owner's COVID-safety self-assessment of their venue, graded by the checklist in force today
    (`safety`): stored with its status and validity, audited. Only the venue's owner (capability
    venues.self_assess) may assess it: checked before anything is written."""
    if not has_capability(actor, SELF_ASSESS) or venue.owner_id is None or venue.owner_id != actor.pk:
        raise Forbidden(_("Only the venue's owner can fill its safety self-assessment."))
    if not venue.is_active:
        raise Invalid(_("This venue is no longer active."), code="venue_inactive")
    today = local_today()
    checklist = safety.checklist_for(today)
    try:
        result = safety.grade(dict(answers), checklist, on=today)
    except safety.Unanswered as exc:
        message = _("Answer yes or no.") if exc.missing else _("This is not an item of the checklist.")
        raise Invalid(message, field=exc.key[:40]) from None
    row = SafetyAssessment.objects.create(
        venue=venue,
        checklist=checklist.id,
        answers={i.key: answers[i.key] for i in checklist.items},
        status=result.status,
        assessed_at=now(),
        valid_until=result.valid_until,
        assessed_by=actor,
    )
    audit_record(
        actor=actor,
        action="venue.safety_assess",
        target=venue,
        detail={"status": result.status, "unmet": list(result.unmet), "checklist": checklist.id},
    )
    return row
