from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from epiqr.core.permissions import REGISTRY, capabilities_of

from . import selectors, services


def profile(request):
    caps = [REGISTRY[name] for name in capabilities_of(request.user.role)]
    return render(
        request,
        "accounts/profile.html",
        {"tokens": selectors.api_token_list(user=request.user), "capabilities": caps},
    )


@require_POST
def token_create(request):
    raw = services.api_token_create(user=request.user, name=request.POST.get("name", "")[:100])
    caps = [REGISTRY[name] for name in capabilities_of(request.user.role)]
    return render(
        request,
        "accounts/profile.html",
        {"tokens": selectors.api_token_list(user=request.user), "new_token": raw, "capabilities": caps},
    )


@require_POST
def token_revoke(request, prefix: str):
    services.api_token_revoke(user=request.user, prefix=prefix)
    return redirect("accounts:profile")
