"""People pages: officer search, detail, create/edit, the printable personal QR, and the citizen's my-QR page."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.accounts.selectors import commune_list_in_jurisdiction
from epiqr.core import audit, panels
from epiqr.core.audit import CITIZEN, WRITE_THEN_REDIRECT, no_personal_data, reads_personal_data
from epiqr.core.errors import NotFound, ServiceError
from epiqr.core.permissions import has_capability, requires
from epiqr.core.qr import svg_inline
from epiqr.core.views import photo_codes

from . import permissions, selectors, services
from .citizen import asker, citizen_page, next_path, proof_required
from .forms import CodeForm, PersonForm, ProveForm
from .models import DocumentKind, ProofKind
from .parsers import MAX_PAYLOAD, ParseError, parse_payload


@requires(permissions.VIEW)
@reads_personal_data("people.list")
def person_list(request):
    page = selectors.PEOPLE.get(
        selectors.person_list_visible_to(user=request.user), request.GET, user=request.user
    )
    query = page.query.values.get("q", "")
    audit.annotate(
        reason=f"search: {query}"[:200],
        row_count=len(page.items),
        detail={"query": query, "page": page.number, **page.query.params()},
    )
    context = {"page": page, "query": query, "can_edit": has_capability(request.user, permissions.EDIT)}
    template = "people/_results.html" if request.htmx else "people/list.html"
    response = render(request, template, context, status=400 if page.query.errors else 200)
    if request.htmx:
        response["HX-Push-Url"] = page.address(request.path)  # the list's own address, not the raw form
    return response


@requires(permissions.VIEW)
@reads_personal_data("people.view", target=("people.person", "public_id"))
def person_detail(request, public_id):
    person = _visible(request, public_id)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "documents": person.documents.all(),
            "can_edit": has_capability(request.user, permissions.EDIT),
            # The case and the test results: panels of the domains above (cases, testing: their apps.py).
            "panels": panels.render("people.detail", request, person=person),
        },
    )


@requires(permissions.EDIT)
@no_personal_data("a registration form: the caller's own input, then the new person's page")
def person_create(request):
    communes = commune_list_in_jurisdiction(user=request.user)
    form = PersonForm(request.POST or None, communes=communes)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            person = services.person_create(**data, actor=request.user)
        except ServiceError as exc:
            form.add_error(_field(form, exc), exc.message)
        else:
            messages.success(request, _("Registered %(name)s.") % {"name": person.full_name})
            return redirect("people:detail", public_id=person.public_id)
    return render(
        request, "people/form.html", {"form": form, "person": None}, status=422 if form.errors else 200
    )


@requires(permissions.EDIT)
@reads_personal_data("people.edit", target=("people.person", "public_id"))
def person_edit(request, public_id):
    person = _visible(request, public_id)
    communes = commune_list_in_jurisdiction(user=request.user)
    cccd = person.documents.filter(kind=DocumentKind.CCCD).first()
    initial = {
        "full_name": person.full_name,
        "birth_date": person.birth_date,
        "birth_year": person.birth_year,
        "sex": person.sex,
        "phone": person.phone,
        "email": person.email,
        "address": person.address,
        "commune": person.commune,
        "id_number": cccd.number if cccd else "",
    }
    form = PersonForm(request.POST or None, initial=initial, communes=communes)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(_field(form, exc), exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:detail", public_id=person.public_id)
    return render(
        request, "people/form.html", {"form": form, "person": person}, status=422 if form.errors else 200
    )


@requires(permissions.EDIT)
@reads_personal_data("people.qr_print", target=("people.person", "public_id"))
def person_qr(request, public_id):
    """A personal QR card to print (at least 5x5 cm) for someone without a smartphone."""
    person = _visible(request, public_id)
    svg = _qr_svg(services.person_personal_qr(person=person))
    return render(request, "people/qr.html", {"person": person, "svg": svg})


@require_POST
@requires(permissions.EDIT)
@no_personal_data(WRITE_THEN_REDIRECT)
def person_qr_rotate(request, public_id):
    person = _visible(request, public_id)
    services.person_qr_rotate(person=person, actor=request.user)
    messages.success(request, _("A new personal QR was issued; the old one no longer works."))
    return redirect("people:qr", public_id=person.public_id)


@requires(permissions.SCAN)
@no_personal_data("the scanner self-test parses the card it is shown; it reads nothing from the database")
def scan_check(request):
    """A scan station's self-test: scan any card and see what EpiQR reads from it, or exactly why not.

    Reads nothing from and writes nothing to the database; it is how staff find a scanner that mangles
    Vietnamese (wrong keyboard mode) before the queue forms.
    """
    if request.method != "POST":
        return render(request, "people/scan_check.html", {"max_length": MAX_PAYLOAD})
    try:
        doc = parse_payload(request.POST.get("payload", ""))
    except ParseError as exc:
        context, status = {"error": exc}, 422
    else:
        context, status = {"doc": doc, "fields": _shown_fields(doc)}, 200
    template = "people/_scan_result.html" if request.htmx else "people/scan_check.html"
    return render(request, template, {**context, "max_length": MAX_PAYLOAD}, status=status)


@require_POST
@requires(permissions.SCAN)
@no_personal_data("codes read from an uploaded photo; nothing from the database")
def scan_photo(request):
    """Codes found in a photo of a card, for phones without a live camera scanner."""
    return photo_codes(request)


@login_not_required
@proof_required
@no_personal_data(CITIZEN)
def my_qr(request):
    """Public: the personal QR of every person this phone's holder proved to be (nothing else, no ID numbers)."""
    from epiqr.core import panels

    cards = [(p, _qr_svg(services.person_personal_qr(person=p))) for p in request.citizen.proven]
    for person, _svg in cards:  # what the domains above people add to a person's card (the health status)
        person.panels = panels.render("people.my_qr", request, person=person)
    return render(request, "people/my_qr.html", {"cards": cards, "unproven": request.citizen.unproven})


# --- the proof flow: a phone shows who it is before it sees anyone's records -----------------------


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def prove(request):
    """Start a proof: a code by SMS to the phone on record of one of this phone's people, or of the
    holder of an ID number or phone number typed here; or the card proof at a health station."""
    citizen = request.citizen
    back = next_path(request)
    form = ProveForm(request.POST if request.method == "POST" and "identifier" in request.POST else None)
    context = {"form": form, "next": back, "unproven": citizen.unproven, "proven": citizen.proven}
    if request.method != "POST":
        return render(request, "people/prove.html", context)
    link_id = _int(request.POST.get("link"))
    if link_id is None and not form.is_valid():
        return render(request, "people/prove.html", context, status=422)
    try:
        services.proof_otp_start(
            device=citizen.device_obtain(),
            ip=asker(request),
            link_id=link_id,
            identifier="" if link_id is not None else form.cleaned_data["identifier"],
        )
    except ServiceError as exc:
        if exc.field == "identifier":
            form.add_error("identifier", exc.message)
        else:
            context["error"] = exc.message
        return render(request, "people/prove.html", context, status=exc.status)
    return redirect(f"{reverse('people:prove_code')}?{urlencode({'next': back})}")


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def prove_code(request):
    """Type the code the SMS brought; right, and the phone shows that person's records."""
    back = next_path(request)
    form = CodeForm(request.POST or None)
    context = {
        "form": form,
        "next": back,
        "hotline": settings.EPIQR_HOTLINE,
        "minutes": services.PROOF_MINUTES,
    }
    if request.method != "POST":
        return render(request, "people/prove_code.html", context)
    device = request.citizen.device
    if not form.is_valid() or device is None:
        if device is None:
            form.add_error(None, _("Ask for a code first."))
        return render(request, "people/prove_code.html", context, status=422)
    try:
        people = services.proof_otp_verify(device=device, code=form.cleaned_data["code"])
    except ServiceError as exc:
        form.add_error("code", exc.message)
        return render(request, "people/prove_code.html", context, status=exc.status)
    if people:
        messages.success(
            request,
            _("Done: this phone now shows the records of %(names)s.")
            % {"names": ", ".join(p.full_name for p in people)},
        )
    return redirect(back)


@login_not_required
@citizen_page
@no_personal_data(CITIZEN)
def prove_card(request):
    """The phone shows a code; staff scan it and the holder's chip ID card. The page looks again every few
    seconds and goes on by itself once staff confirmed."""
    citizen = request.citizen
    back = next_path(request)
    if request.method == "POST":
        try:
            services.proof_card_start(device=citizen.device_obtain(), ip=asker(request))
        except ServiceError as exc:
            return render(
                request,
                "people/prove_card.html",
                {"next": back, "error": exc.message},
                status=exc.status,
            )
        return redirect(f"{reverse('people:prove_card')}?{urlencode({'next': back})}")
    challenge = selectors.proof_challenge_latest(device=citizen.device, kind=ProofKind.CARD)
    if challenge is not None and challenge.used_at is not None:
        if request.GET.get("waiting"):
            messages.success(request, _("Done: this phone now shows your records."))
            return redirect(back)
        challenge = None
    if challenge is not None and challenge.expires_at <= timezone.now():
        challenge = None
    context = {"next": back, "challenge": challenge}
    if challenge is not None:
        code = services.proof_card_code(challenge)
        context.update(code=f"{code[:4]}-{code[4:]}", svg=_qr_svg(f"EPIQRDEV1:{code}"))
    return render(request, "people/prove_card.html", context)


@requires(permissions.VERIFY_DEVICE)
@reads_personal_data("people.verify_device")
def verify_device(request):
    """Staff: scan the code on a citizen's phone and their chip ID card (either first), after checking the
    card's photo against the face. The phone may then show the card holder's records."""
    code = services.card_code_clean(request.POST.get("code", ""))
    payload = request.POST.get("card", "")
    scanned = (request.POST.get("scan") or "").strip()
    if scanned:
        if (
            scanned.upper().startswith("EPIQRDEV1:")
            or len(services.card_code_clean(scanned)) == services.CARD_CODE_LENGTH
        ):
            code = services.card_code_clean(scanned)
        else:
            payload = scanned
    context = {"code": code, "card": payload, "done": None, "error": None, "max_length": MAX_PAYLOAD}
    status = 200
    if request.method == "POST" and code and payload:
        try:
            services.proof_card_confirm(code=code, payload=payload, actor=request.user)
        except ServiceError as exc:
            context["error"] = exc.message
            context.update(
                {
                    "code": "" if exc.field == "code" else code,
                    "card": "" if exc.field == "payload" else payload,
                }
            )
            status = exc.status
        else:
            context.update(done=parse_payload(payload).full_name, code="", card="")
    return render(request, "people/verify_device.html", context, status=status)


def _int(value) -> int | None:
    """A positive id that fits a database integer, else None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _shown_fields(doc) -> list[tuple[str, str]]:
    """(label, value) rows of what a payload carried, in reading order; empty values left out."""
    rows = [
        (_("ID number"), doc.id_number),
        (_("Old ID number (CMND)"), doc.old_id_number),
        (_("Full name"), doc.full_name),
        (_("Date of birth"), doc.birth_date.strftime("%d/%m/%Y") if doc.birth_date else ""),
        (_("Birth year"), "" if doc.birth_date or doc.birth_year is None else str(doc.birth_year)),
        (_("Sex"), {"M": _("Male"), "F": _("Female")}.get(doc.sex, "")),
        (_("Address"), doc.address),
        (_("Issued on"), doc.issued_on.strftime("%d/%m/%Y") if doc.issued_on else ""),
        (_("BHYT card number"), doc.bhyt_code),
        (_("Social-insurance number"), doc.social_insurance_number),
        (_("Valid until"), doc.bhyt_valid_to.strftime("%d/%m/%Y") if doc.bhyt_valid_to else ""),
        (_("Phone"), doc.phone),
        (_("Personal QR generation"), str(doc.qr_generation or "")),
    ]
    return [(label, value) for label, value in rows if value]


def _field(form, exc: ServiceError) -> str | None:
    return exc.field if exc.field in form.fields else None


def _visible(request, public_id):
    try:
        return selectors.person_get_visible(user=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _qr_svg(payload: str) -> str:
    """Inline SVG that scales to its CSS size (viewBox, no fixed pixels), so the card prints in cm."""
    return svg_inline(payload)
