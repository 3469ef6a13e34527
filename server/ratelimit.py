"""The limit on failed authentications, per client address (in process).

After ``max_failures`` failed authentications (a missing, malformed, unknown, revoked or
expired token) from one client address within ``window`` seconds, every request from that
address is answered **429** with ``Retry-After`` (and a Persian message) before routing,
so without touching the database, until the oldest of those failures is ``window``
seconds old. Successful requests are never counted and cost one dictionary lookup.

The client address is the ASGI ``client`` of the request: the socket peer, or — only when
the operator runs ``daftar-server serve --forwarded-allow-ips`` behind a reverse proxy —
the address the proxy reports (uvicorn's proxy-headers middleware sets it). An IPv6
address is counted per /64 network: one host usually holds a whole /64 and could
otherwise rotate addresses forever.

Memory is bounded: at most ``max_clients`` addresses are tracked, each with at most
``max_failures`` timestamps. Addresses whose failures are all older than the window are
forgotten as new failures arrive; when the table is full, the address that failed least
recently is forgotten first. Thread-safe (authentication runs in FastAPI's thread pool).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi.responses import JSONResponse

from common.text import to_persian_digits
from server.errors import error_body
from server.middleware import ASGIApp, Receive, Scope, Send

log = logging.getLogger("daftar.server.auth")

#: Failed authentications allowed per address within WINDOW_SECONDS.
MAX_FAILURES = 10
WINDOW_SECONDS = 60.0
#: The most addresses tracked at once (about 1 KB each at most).
MAX_CLIENTS = 10_000


@functools.lru_cache(maxsize=4096)
def client_key(host: str | None) -> str:
    """The key an address is counted under: IPv4 as is, IPv6 per /64 network (an
    IPv4-mapped IPv6 address as its IPv4 address), anything else (a test client's name,
    no address) as is."""
    if not host:
        return "unknown"
    if ":" not in host:  # IPv4 or a name: as is (the common case, without parsing)
        return host
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return f"{ipaddress.IPv6Address(int(address) >> 64 << 64)}/64"
    return str(address)


class FailureLimiter:
    """Counts failed authentications per client key; says how long a key is blocked."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1 or window <= 0 or max_clients < 1:
            raise ValueError("the limiter needs max_failures >= 1, window > 0, max_clients >= 1")
        self.max_failures = max_failures
        self.window = window
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        #: key → times of its latest failures; ordered by the latest failure, oldest first.
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys are tracked."""
        with self._lock:
            return len(self._failures)

    def blocked_for(self, key: str) -> float:
        """Seconds until ``key`` may be served again; 0.0 when it may be now."""
        with self._lock:
            times = self._failures.get(key)
            if times is None:
                return 0.0
            return self._wait(times, self._clock())

    def record_failure(self, key: str) -> float:
        """Count a failed authentication of ``key``; returns how long it is now blocked
        (0.0: not blocked)."""
        now = self._clock()
        with self._lock:
            times = self._failures.pop(key, None)
            if times is None:
                times = deque(maxlen=self.max_failures)
            times.append(now)
            self._failures[key] = times
            self._forget_old(now)
            return self._wait(times, now)

    def _wait(self, times: deque[float], now: float) -> float:
        if len(times) < self.max_failures:
            return 0.0
        return max(0.0, times[0] + self.window - now)

    def _forget_old(self, now: float) -> None:
        """Drop keys from the front (least recent failure first) while the table is over
        its size or their latest failure is out of the window (so they are not blocked)."""
        while self._failures:
            key, times = next(iter(self._failures.items()))
            if len(self._failures) <= self.max_clients and now - times[-1] < self.window:
                return
            del self._failures[key]


def too_many_failures(wait: float) -> JSONResponse:
    """The 429 answer to a blocked address."""
    seconds = max(1, math.ceil(wait))
    return JSONResponse(
        error_body(
            "too_many_failures",
            "از این نشانی تلاش‌های ناموفق زیادی برای ورود با توکن شده است؛ "
            f"{to_persian_digits(str(seconds))} ثانیه دیگر دوباره تلاش کنید. اگر توکن "
            "این اداره درست است و باز هم پذیرفته نمی‌شود، با مدیر سامانه تماس بگیرید.",
            f"Too many failed authentications from this address; retry in {seconds} s.",
        ),
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


class FailureLimit:
    """ASGI middleware: answer 429 to a blocked client address before anything else."""

    def __init__(self, app: ASGIApp, limiter: FailureLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            wait = self.limiter.blocked_for(client_key(client[0] if client else None))
            if wait > 0:
                await too_many_failures(wait)(scope, receive, send)
                return
        await self.app(scope, receive, send)
