"""Small request helpers every domain needs: who is asking (address) and where it is safe to go next."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies
    (EPIQR_PROXY_COUNT): the right-most entries are added by them, anything left of those the client
    may have written itself."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "EPIQR_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < count:
        return remote
    return hops[-count][:64]


def safe_next(value: str | None, *, fallback: str = "/") -> str:
    """A redirect target taken from a request (`next`, a form field): only a path on this site.

    Anything else (another host, `//host`, `/\\host`, a scheme such as `javascript:`, control
    characters) gives `fallback`, so a link can never send a logged-in officer to another site.
    """
    value = (value or "").strip()
    if (
        not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or "\\" in value
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
        or not url_has_allowed_host_and_scheme(value, allowed_hosts=set(), require_https=False)
    ):
        return fallback
    return value
