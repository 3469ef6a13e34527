"""``GET /metrics``: the server's figures in Prometheus' text format (version 0.0.4).

Off unless ``daftar-server serve --metrics``; then answered only to a client on
loopback (a Prometheus or an agent on the same machine), or to anyone presenting
``--metrics-token`` as a Bearer token. Anything else gets 404, as when it is off.

What is counted, per server process (docs/deploy.md, "Monitoring"):

- ``daftar_http_requests_total{endpoint,method,status}`` and the latency histogram
  ``daftar_http_request_duration_seconds{endpoint}`` — ``endpoint`` is the route's
  template (``/v1/push``), never the raw path, so the series stay few;
- ``daftar_push_operations_total{status}``: pushed operations by outcome (applied,
  merged, replayed, conflict, rejected); ``daftar_conflicts_total`` and
  ``daftar_refused_writes_total`` are the conflict and rejected ones alone;
- ``daftar_refused_requests_total{reason}``: 503 ``busy`` (no database slot in time)
  and 429 ``office_busy`` (beyond an office token's share); failed authentications are
  the 401s of ``daftar_http_requests_total``;
- ``daftar_feed_end_seq``: the last ``server_seq`` committed (read at the scrape), and
  ``daftar_pull_lag_seq``: how far behind the feed's end the pulls answered were (a
  histogram of ``feed end − cursor``: 0 for an office that is up to date).

Counters live in this process's memory, so with ``--workers N`` each scrape is one
worker's figures; docs/deploy.md says how to aggregate them. No dependency: the format
is a few lines of text.
"""

from __future__ import annotations

import hmac
import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from server.middleware import ASGIApp, Message, Receive, Scope, Send
from server.pull import feed_end
from server.work import admission

#: Latency buckets (seconds): a no-op sync is tens of ms, a large push a few seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Pull lag buckets (``server_seq`` numbers behind the feed's end).
LAG_BUCKETS = (0.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0, 1_000_000.0)
#: Statuses of pushed operations that are conflicts and refused writes.
CONFLICT = "conflict"
REFUSED = "rejected"


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    pairs = ",".join(
        f'{name}="{_escape(value)}"' for name, value in zip(names, values, strict=True)
    )
    return "{" + pairs + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    """A counter with labels."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, tuple(labels)
        self._values: dict[tuple[str, ...], float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, *values: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[tuple(values)] += amount

    def value(self, *values: str) -> float:
        with self._lock:
            return self._values.get(tuple(values), 0.0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        with self._lock:
            items = sorted(self._values.items())
        for values, total in items:
            yield f"{self.name}{_labels(self.labels, values)} {_number(total)}"


class Histogram:
    """A histogram with labels and fixed buckets."""

    def __init__(
        self, name: str, help_text: str, buckets: Sequence[float], labels: Sequence[str] = ()
    ) -> None:
        self.name, self.help, self.labels = name, help_text, tuple(labels)
        self.buckets = tuple(buckets)
        self._series: dict[tuple[str, ...], list[float]] = {}  # counts…, +Inf, sum
        self._lock = threading.Lock()

    def observe(self, value: float, *values: str) -> None:
        with self._lock:
            series = self._series.setdefault(tuple(values), [0.0] * (len(self.buckets) + 2))
            for n, bound in enumerate(self.buckets):
                if value <= bound:
                    series[n] += 1
            series[-2] += 1
            series[-1] += value

    def count(self, *values: str) -> float:
        with self._lock:
            series = self._series.get(tuple(values))
            return series[-2] if series else 0.0

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        names = (*self.labels, "le")
        for values, series in items:
            for bound, count in zip((*self.buckets, math.inf), series[:-1], strict=True):
                labels = _labels(names, (*values, _number(bound)))
                yield f"{self.name}_bucket{labels} {_number(count)}"
            yield f"{self.name}_count{_labels(self.labels, values)} {_number(series[-2])}"
            yield f"{self.name}_sum{_labels(self.labels, values)} {_number(series[-1])}"


class Metrics:
    """The figures of one server process."""

    def __init__(self) -> None:
        self.requests = Counter(
            "daftar_http_requests_total",
            "HTTP requests answered, by route template, method and status.",
            ("endpoint", "method", "status"),
        )
        self.latency = Histogram(
            "daftar_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template.",
            LATENCY_BUCKETS,
            ("endpoint",),
        )
        self.push_operations = Counter(
            "daftar_push_operations_total",
            "Pushed operations by outcome (applied, merged, replayed, conflict, rejected).",
            ("status",),
        )
        self.conflicts = Counter(
            "daftar_conflicts_total", "Pushed operations that met a conflict (kept for a clerk)."
        )
        self.refused_writes = Counter(
            "daftar_refused_writes_total",
            "Pushed operations refused (a rule, the scope, append-only, an immutable column).",
        )
        self.pull_lag = Histogram(
            "daftar_pull_lag_seq",
            "How many server_seq numbers the feed's end was ahead of a pull's new cursor.",
            LAG_BUCKETS,
        )
        self.started = time.time()

    def count_push(self, statuses: Iterable[str]) -> None:
        """Count the outcomes of one push's operations."""
        for status in statuses:
            self.push_operations.inc(status)
            if status == CONFLICT:
                self.conflicts.inc()
            elif status == REFUSED:
                self.refused_writes.inc()

    def render(self, feed_end: int | None, refused: dict[str, int]) -> str:
        """The text of a scrape; ``refused`` is the admission's own count of 503/429."""
        lines: list[str] = []
        for metric in (
            self.requests,
            self.latency,
            self.push_operations,
            self.conflicts,
            self.refused_writes,
            self.pull_lag,
        ):
            lines.extend(metric.render())
        lines.append(
            "# HELP daftar_refused_requests_total Requests refused before their work: busy "
            "(503, no database slot in time), office_busy (429, beyond an office token's share)."
        )
        lines.append("# TYPE daftar_refused_requests_total counter")
        for reason, total in sorted(refused.items()):
            lines.append(f'daftar_refused_requests_total{{reason="{reason}"}} {total}')
        if feed_end is not None:
            lines.append("# HELP daftar_feed_end_seq The last server_seq committed.")
            lines.append("# TYPE daftar_feed_end_seq gauge")
            lines.append(f"daftar_feed_end_seq {feed_end}")
        lines.append("# HELP daftar_process_start_time_seconds When this process started.")
        lines.append("# TYPE daftar_process_start_time_seconds gauge")
        lines.append(f'daftar_process_start_time_seconds{{pid="{os.getpid()}"}} {self.started}')
        return "\n".join(lines) + "\n"


class RequestMetrics:
    """ASGI middleware: count every HTTP request by route template and status, and time
    it. Routing has run by the time the answer starts, so ``scope["route"]`` names the
    template; a request no route matched is counted as ``other``."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: Any = scope.get("route")
            endpoint = str(getattr(route, "path", "other"))
            self.metrics.requests.inc(endpoint, str(scope.get("method", "")), str(status[0]))
            self.metrics.latency.observe(time.perf_counter() - began, endpoint)


def install_metrics(app: FastAPI, enabled: bool, token: str | None) -> None:
    """Keep ``app``'s figures (and count its requests) when ``enabled``; /metrics is
    served only then (:func:`metrics_endpoint`)."""
    app.state.metrics = Metrics() if enabled else None
    app.state.metrics_token = token
    if enabled:
        app.add_middleware(RequestMetrics, metrics=app.state.metrics)


def count_push(request: Request, statuses: Sequence[str]) -> None:
    """Count a push's outcomes, when the app keeps figures."""
    figures: Metrics | None = request.app.state.metrics
    if figures is not None:
        figures.count_push(statuses)


def observe_pull_lag(request: Request, session: Session, cursor: int) -> None:
    """Note how far behind the feed's end a pull's new cursor is (in the pull's own
    session), when the app keeps figures."""
    figures: Metrics | None = request.app.state.metrics
    if figures is not None:
        figures.pull_lag.observe(max(0, feed_end(session) - cursor))


router = APIRouter()


def may_scrape(request: Request, token: str | None) -> bool:
    """A scrape from loopback (the socket peer, or the client a trusted proxy names), or
    one presenting the metrics token."""
    host = request.client.host if request.client else ""
    if host == "::1" or host.startswith("127."):
        return True
    presented = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(presented.encode(), f"Bearer {token}".encode())


@router.get("/metrics", include_in_schema=False, response_class=PlainTextResponse)
async def metrics_endpoint(request: Request) -> PlainTextResponse:
    """The process's figures in Prometheus' text format; 404 when off, or for a client
    neither on loopback nor presenting the metrics token."""
    figures: Metrics | None = request.app.state.metrics
    if figures is None or not may_scrape(request, request.app.state.metrics_token):
        raise HTTPException(404, "Not Found")
    end = await admission(request).run(request, feed_end)
    return PlainTextResponse(
        figures.render(end, request.app.state.admission.refused),
        media_type="text/plain; version=0.0.4; charset=utf-8",
    )
