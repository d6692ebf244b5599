"""Citizen pages: which phone is asking, whom it checks in, and what its holder has proved.

A public page that shows anything about a person uses one of the two decorators:

    @login_not_required
    @citizen_page          # request.citizen (a Citizen); the phone's cookie is written if the view made it known
    def my_page(request): ...

    @login_not_required
    @proof_required        # the same, and a phone that has proved nobody goes through the proof flow and back
    def my_certificate(request): ...

Then read only through `request.citizen`: `.people` (everyone the phone checks in, with the name to show),
`.proven` (records the holder proved: show their history, results, QR), `.objects(type)` (single objects
proved, e.g. a result by its slip), `.device` / `.device_obtain()` (the phone itself, for writes).
What a phone may see, and why, is in docs/security.md.
"""

from functools import cached_property, wraps
from urllib.parse import urlencode

from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from epiqr.core import device as cookie
from epiqr.core.http import safe_next
from epiqr.core.ratelimit import asker_key

from . import selectors, services

DEFAULT_NEXT = "/c/mine"
_UNSET = object()


class Citizen:
    """The phone behind a public request (None until it checked in or started a proof)."""

    def __init__(self, request):
        self._request = request
        self._device = _UNSET

    @property
    def device(self):
        if self._device is _UNSET:
            self._device = selectors.device_for_key(key=cookie.device_key(self._request))
            if self._device is not None:
                services.device_touch(device=self._device)
        return self._device

    def device_obtain(self):
        """The phone, registered now if it was unknown (the decorator then writes its cookie)."""
        if self.device is None:
            self._device = services.device_create(key=cookie.device_key_mint(self._request))
        return self._device

    def forget(self) -> None:
        if self.device is not None:
            services.device_forget(device=self.device)
        self._device = None
        self.__dict__.pop("people", None)

    @cached_property
    def people(self) -> list[selectors.DevicePerson]:
        return selectors.device_people_known(device=self.device)

    def refresh(self) -> None:
        """Forget what was read about the phone's people (after a write in the same request)."""
        self.__dict__.pop("people", None)

    @property
    def proven(self) -> list:
        return [p.person for p in self.people if p.person is not None]

    @property
    def unproven(self) -> list[selectors.DevicePerson]:
        return [p for p in self.people if not p.proven]

    def label_of(self, person_id: int) -> str:
        return next((p.label for p in self.people if p.person_id == person_id), "")

    def objects(self, object_type: str) -> list[str]:
        return selectors.device_objects_proven(device=self.device, object_type=object_type)


def citizen_page(view):
    """Attach `request.citizen`; write the phone's cookie if the view registered the phone."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.citizen = Citizen(request)
        response = view(request, *args, **kwargs)
        cookie.device_cookie_write(response, request)
        return response

    return wrapper


def proof_required(view):
    """A citizen page that shows a person's own records: a phone that proved nobody goes to the proof flow
    (and comes back here after it)."""

    @citizen_page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.citizen.proven:
            return redirect(prove_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    wrapper.proof_required = True  # type: ignore[attr-defined]
    return wrapper


def prove_url(next_path: str = "", *, link_id: int | None = None) -> str:
    """The proof flow's first page, coming back to `next_path`."""
    query = {"next": next_path} if next_path else {}
    if link_id is not None:
        query["link"] = str(link_id)
    return reverse("people:prove") + (f"?{urlencode(query)}" if query else "")


def next_path(request: HttpRequest) -> str:
    """Where to go after a proof (`next`): a path on this site only, else My check-ins."""
    return safe_next(request.GET.get("next") or request.POST.get("next"), fallback=DEFAULT_NEXT)


def asker(request: HttpRequest) -> str:
    """The network a proof is asked from, as every public limit counts it (core.ratelimit)."""
    return asker_key(request)
