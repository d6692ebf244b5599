"""Who is asking, and how often: limits on the asker of a public page, counted in the cache.

A limit belongs to the asker (their address), never to what they ask about: limiting a tube, a phone
number or an ID after some wrong tries lets anyone lock its owner out. With several gunicorn workers set
EPIQR_CACHE=database so that all workers share the counts.

The asker's address comes from `core.http.client_ip` (behind EPIQR_PROXY_COUNT trusted proxies).
"""

import ipaddress

from django.core.cache import cache
from django.http import HttpRequest

from .errors import ServiceError
from .http import client_ip


def asker_key(request: HttpRequest) -> str:
    """The asker as a rate limit sees them: an IPv4 address, or the /64 network of an IPv6 address
    (one home or phone gets a whole /64, so single IPv6 addresses would be free to change)."""
    raw = client_ip(request)
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def count(key: str, *, window: int) -> int:
    """Add one to the key's count for the window (started by the first hit) and return the count."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def spent(key: str, *, limit: int) -> bool:
    """True when the key already used its `limit` for the current window."""
    return (cache.get(key) or 0) >= limit


class RateLimited(ServiceError):
    """The asker used up a public limit for now (HTTP 429); the message says how long to wait."""

    status = 429
    code = "rate_limited"
