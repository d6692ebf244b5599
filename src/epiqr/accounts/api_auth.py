"""API authentication: `Authorization: Bearer <token>` (per user or device) or the browser session."""

from ninja.security import HttpBearer, django_auth

from .services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]
