import time
from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from epiqr.core.audit import OWN_ACCOUNT, no_personal_data
from epiqr.core.errors import ServiceError
from epiqr.core.http import safe_next
from epiqr.core.permissions import REGISTRY, capabilities_of, needs_second_factor
from epiqr.core.qr import svg_inline

from . import selectors, services
from .demo import demo_current_code
from .forms import CodeForm, LoginForm
from .models import User

# Between the password and the second factor the session holds only this (the user is not logged in).
PENDING_KEY = "epiqr_2fa_pending"
PENDING_SECONDS = 600


def _home(user=None) -> str:
    """The page a user lands on after logging in (their role's work page when a domain registered one)."""
    from epiqr.core.context import landing_url

    return landing_url(user, settings.LOGIN_REDIRECT_URL)


@no_personal_data(OWN_ACCOUNT)
class LoginView(auth_views.LoginView):
    """Step one: login name and password (throttled by django-axes). Accounts that need a second
    factor are not logged in yet: the session only remembers who passed step one, for ten minutes."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_redirect_url(self):
        raw = self.request.POST.get("next", self.request.GET.get("next", ""))
        return safe_next(raw, fallback="")

    def get_default_redirect_url(self):
        return _home(getattr(self.request, "user", None))

    def form_valid(self, form):
        user = form.get_user()
        if not needs_second_factor(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "uid": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_redirect_url(),
        }
        return redirect("accounts:second_factor")


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    user = User.objects.filter(pk=pending.get("uid"), is_active=True).first()
    return user, pending


def _finish_login(request, user: User, device, pending: dict):
    """Both factors passed: log in with the device recorded in the session (django-otp)."""
    request.session.pop(PENDING_KEY, None)
    user.backend = pending["backend"]
    user.otp_device = device  # django-otp stores it in the session on login
    auth_login(request, user)
    return pending.get("next") or _home(user)


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows once a login name or address is locked out (429)."""
    return _locked_page(request)


def _locked_page(request):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"lockout_minutes": minutes}, status=429)


def _locked(request, user: User) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()})


def _restart(request):
    messages.warning(request, _("Your login step expired. Enter your login name and password again."))
    return redirect("accounts:login")


@login_not_required
@never_cache
@no_personal_data(OWN_ACCOUNT)
def second_factor(request):
    """Step two: a code from the authenticator app, or one of the recovery codes."""
    user, pending = _pending_user(request)
    if user is None:
        return _restart(request)
    if not selectors.second_factor_status(user=user)["app"]:
        return redirect("accounts:enrol")
    if _locked(request, user):
        return _locked_page(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            target = _finish_login(request, user, device, pending)
            if device.name == "recovery":
                left = selectors.second_factor_status(user=user)["recovery_left"]
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)d left. Make a new sheet on your account page.")
                    % {"left": left},
                )
            return redirect(target)
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        if getattr(request, "axes_locked_out", False) or _locked(request, user):
            return _locked_page(request)
        form.add_error("token", _("Wrong or expired code. Type the code your app shows now."))
    return render(request, "accounts/second_factor.html", {"form": form, "hint": _demo_hint(user)})


def _demo_hint(user: User) -> str:
    """Development only (EPIQR_DEMO_2FA_HINT, refused in production): a demo account's current code."""
    if not settings.EPIQR_DEMO_2FA_HINT:
        return ""

    return demo_current_code(user=user)


@login_not_required
@never_cache
@no_personal_data(OWN_ACCOUNT)
def enrol(request):
    """Set up the authenticator app: a QR code and the key typed by hand, confirmed by one code.

    At the first login (after the password, for an account with no app yet) or, logged in with the
    second factor, to move to a new phone. Ends on the recovery-code sheet, shown once."""
    user, pending = _pending_user(request)
    if user is not None and selectors.second_factor_status(user=user)["app"]:
        return redirect("accounts:second_factor")
    if user is None:
        if not (request.user.is_authenticated and request.user.is_verified()):
            return _restart(request)
        user = request.user
    device = services.totp_device_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_device_confirm(user=user, token=form.cleaned_data["token"])
        except ServiceError as exc:
            form.add_error("token", exc.message)
        else:
            if pending:
                target = _finish_login(request, user, device, pending)
            else:
                from django_otp import login as otp_login

                otp_login(request, device)
                target = _home(user)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": target})
    key = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_svg": svg_inline(device.config_url),
            "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
            "first_time": bool(pending),
        },
    )


@require_POST
@no_personal_data(OWN_ACCOUNT)
def recovery_codes_new(request):
    codes = services.recovery_codes_create(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _profile_url()})


def _profile_url() -> str:
    from django.urls import reverse

    return reverse("accounts:profile")


def _profile_context(request) -> dict:
    return {
        "tokens": selectors.api_token_list(user=request.user),
        "capabilities": [REGISTRY[name] for name in capabilities_of(request.user.role)],
        "second_factor": selectors.second_factor_status(user=request.user),
        "needs_second_factor": needs_second_factor(request.user),
    }


@no_personal_data(OWN_ACCOUNT)
def profile(request):
    return render(request, "accounts/profile.html", _profile_context(request))


@require_POST
@no_personal_data(OWN_ACCOUNT)
def token_create(request):
    raw = services.api_token_create(user=request.user, name=request.POST.get("name", "")[:100])
    return render(request, "accounts/profile.html", {**_profile_context(request), "new_token": raw})


@require_POST
@no_personal_data(OWN_ACCOUNT)
def token_revoke(request, prefix: str):
    services.api_token_revoke(user=request.user, prefix=prefix)
    return redirect("accounts:profile")
