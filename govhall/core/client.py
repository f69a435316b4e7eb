"""Who is on the other end of a request, and how often they may ask.

Behind the hall's reverse proxy every request arrives from the proxy's
address; the client's is in the header the proxy adds. That header is
believed only from the proxies listed in ``GOVHALL_TRUSTED_PROXIES``
(addresses or networks): from anyone else, a client could write any address
into it. The chain is read from the right, the last hop first, skipping our
own proxies: the first address that is not one of them is the client.

Rate limits count in the shared cache (the database cache by default,
Redis with ``GOVHALL_CACHE_URL``), so every process of the hall draws on
one budget per client.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.core.cache import caches


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address) -> bool:
    return any(address in network for network in _trusted(tuple(settings.GOVHALL_TRUSTED_PROXIES)))


def forwarded_by_stranger(request) -> bool:
    """Whether ``request`` carries a forwarding header (ours or the standard
    ``Forwarded``) but did not come from a trusted proxy: a proxy we were not
    told about (its address says nothing about the client), or a client that
    wrote the header itself."""
    if settings.GOVHALL_CLIENT_IP_HEADER not in request.headers and "Forwarded" not in request.headers:
        return False
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    return remote is None or not _is_trusted(remote)


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or — when that is a trusted proxy —
    the rightmost address of the forwarding header that is not one of our
    proxies. A malformed header falls back to the connecting address."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    if not _is_trusted(remote):
        return str(remote)
    header = "HTTP_" + settings.GOVHALL_CLIENT_IP_HEADER.upper().replace("-", "_")
    hops = [hop for hop in (request.META.get(header, "") or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(remote)  # a header we cannot read: trust nothing in it
        if not _is_trusted(address):
            return str(address)
    return str(_address(hops[0])) if hops else str(remote)  # every hop one of ours


def rate_limited(*, scope: str, key: str, limit: int, seconds: int) -> bool:
    """Count one more request of ``key`` in ``scope`` and say whether it
    goes over ``limit`` per ``seconds``. The count lives in the shared cache
    (``add`` then ``incr``), so several processes share it: exact on Redis
    (atomic increments), within a few requests under a burst on the database
    cache (its increment reads then writes)."""
    store = caches["default"]
    name = f"rate:{scope}:{key}"
    if store.add(name, 1, timeout=seconds):
        return limit < 1
    try:
        count = store.incr(name)
    except ValueError:  # expired between the two calls: a new window
        store.set(name, 1, timeout=seconds)
        count = 1
    return count > limit
