"""API authentication: `Authorization: Bearer <token>` (per user or device) or the browser session."""

from ninja.security import HttpBearer, django_auth


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        from epiqr.accounts.services import api_token_authenticate

        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]
