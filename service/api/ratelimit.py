"""Rate limits for anonymous callers: a token bucket per client address, in this process.

Registration is open to anyone, so without a limit one script could fill the register.
Each client address has a bucket of ``MENTORMATCH_RATE_LIMIT_BURST`` requests that
refills at ``MENTORMATCH_RATE_LIMIT_PER_MINUTE``; a request that finds it empty gets
429 with ``Retry-After`` (the seconds until the next request would pass) and the usual
error body. Coordinators are never limited. IPv6 clients are counted per /64 network,
the block one household or office usually holds.

The buckets live in the process: each uvicorn worker keeps its own, so with N workers
a client may get up to N times the limit. Behind a reverse proxy every request comes
from the proxy's address; name the proxy in ``MENTORMATCH_TRUSTED_PROXIES`` and the
client's own address is read from ``X-Forwarded-For`` (the right-most address that is
not a trusted proxy), which is believed from those proxies only.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

from fastapi import Depends, FastAPI, Request

from service.api.deps import OptionalPrincipalDep, SettingsDep
from service.config import Settings
from service.errors import DomainError, problem_response

Network = IPv4Network | IPv6Network
# Enough for a busy launch day; beyond it the least recently seen client is forgotten.
MAX_CLIENTS = 100_000


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


RESPONSES: dict[int | str, dict[str, Any]] = {
    429: problem_response(
        "Too many requests from this address; Retry-After says when to retry.",
        {
            "Retry-After": {
                "description": "Seconds to wait before the next request will pass.",
                "schema": {"type": "integer"},
            }
        },
    )
}


class RateLimiter:
    """Token buckets by key: ``burst`` at once, refilled at ``per_minute``; thread-safe."""

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one request of ``key``'s bucket: 0 if it passes, else seconds to wait."""
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                tokens -= 1
                wait = 0.0
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


def client_key(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """Whom to count a request against: the client's address (an IPv6 one by its /64)."""
    address = _client_address(request, trusted_proxies)
    try:
        parsed = ip_address(address)
    except ValueError:
        return address  # not an IP address (a test client, a Unix socket): as it is
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    peer = request.client.host if request.client else ""
    if not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    # Each proxy appends the address it was reached from: read from the right, past ours.
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, trusted_proxies: Sequence[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted_proxies)


def limit_anonymous(
    request: Request, principal: OptionalPrincipalDep, settings: SettingsDep
) -> None:
    """Count a request against its client's bucket, unless a coordinator makes it."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None or (principal is not None and principal.is_coordinator):
        return
    wait = limiter.take(client_key(request, settings.trusted_proxies))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(
            f"too many requests from your address; try again in {seconds} s",
            retry_after=seconds,
        )


RateLimit = Depends(limit_anonymous)
"""For a route's ``dependencies``: the anonymous limit applies to it (sign-in links too)."""


def install_rate_limits(app: FastAPI, settings: Settings) -> None:
    """Give ``app`` its buckets (the 429 is a domain error with its Retry-After)."""
    per_minute = settings.rate_limit_per_minute
    app.state.rate_limiter = (
        RateLimiter(per_minute=per_minute, burst=settings.rate_limit_burst) if per_minute else None
    )
