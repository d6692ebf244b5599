"""API authentication: `Authorization: Bearer <token>` (per user or device) or the browser session."""

from ninja.security import HttpBearer, django_auth

from .services import api_token_authenticate


def bearer_user(request):
    """The user of the request's `Authorization: Bearer <token>`, read as HttpBearer reads it; None
    without one or when it does not authenticate."""
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return api_token_authenticate(raw=token)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]
