"""People pages: officer search, detail, create/edit, the printable personal QR, and the citizen's my-QR page."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiqr.core.device import device_people
from epiqr.core.errors import NotFound, ServiceError
from epiqr.core.permissions import has_capability, requires
from epiqr.core.services import audit_record

from . import permissions, selectors, services
from .forms import PersonForm, SearchForm
from .models import DocumentKind

PAGE_SIZE = 25


@requires(permissions.VIEW)
def person_list(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.person_list_visible_to(user=request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_record(
        actor=request.user,
        action="people.list",
        reason=f"search: {query}"[:200],
        row_count=len(page.object_list),
        detail={"query": query, "page": page.number},
    )
    template = "people/_results.html" if request.htmx else "people/list.html"
    context = {
        "form": form,
        "page": page,
        "query": query,
        "can_edit": has_capability(request.user, permissions.EDIT),
    }
    return render(request, template, context)


@requires(permissions.VIEW)
def person_detail(request, public_id):
    person = _visible(request, public_id)
    audit_record(actor=request.user, action="people.view", target=person)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "documents": person.documents.all(),
            "can_edit": has_capability(request.user, permissions.EDIT),
        },
    )


@requires(permissions.EDIT)
def person_create(request):
    communes = selectors.communes_for_user(user=request.user)
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
def person_edit(request, public_id):
    person = _visible(request, public_id)
    communes = selectors.communes_for_user(user=request.user)
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
def person_qr(request, public_id):
    """A personal QR card to print (at least 5x5 cm) for someone without a smartphone."""
    person = _visible(request, public_id)
    audit_record(actor=request.user, action="people.qr_print", target=person)
    svg = _qr_svg(services.person_personal_qr(person=person))
    return render(request, "people/qr.html", {"person": person, "svg": svg})


@require_POST
@requires(permissions.EDIT)
def person_qr_rotate(request, public_id):
    person = _visible(request, public_id)
    services.person_qr_rotate(person=person, actor=request.user)
    messages.success(request, _("A new personal QR was issued; the old one no longer works."))
    return redirect("people:qr", public_id=person.public_id)


@login_not_required
def my_qr(request):
    """Public: the personal QR of every person this device remembers (nothing else, no ID numbers)."""
    people = selectors.people_on_device(public_ids=device_people(request))
    cards = [(p, _qr_svg(services.person_personal_qr(person=p))) for p in people]
    return render(request, "people/my_qr.html", {"cards": cards})


def _field(form, exc: ServiceError) -> str | None:
    return exc.field if exc.field in form.fields else None


def _visible(request, public_id):
    try:
        return selectors.person_get_visible(user=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _qr_svg(payload: str) -> str:
    """Inline SVG that scales to its CSS size (viewBox, no fixed pixels), so the card prints in cm."""
    return segno.make(payload, error="m", micro=False).svg_inline(
        scale=1, border=4, omitsize=True, light="#fff"
    )
