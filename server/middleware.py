"""ASGI middleware of the API that runs before routing: the request size limit.

(The limit on failed authentications is server.ratelimit's.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse

from server.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodySizeLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413.

    Checks Content-Length first, then counts the body as it arrives (chunked uploads),
    buffering at most ``limit`` bytes before handing the request on.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._answer(send, 400, "bad_request", "Invalid Content-Length.")
                    return
                if declared > self.limit:
                    await self._too_large(send)
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; let the app see the disconnect.
                await self.app(scope, _replay([message]), send)
                return
            body = bytes(message.get("body", b""))
            size += len(body)
            if size > self.limit:
                await self._too_large(send)
                return
            chunks.append(body)
            more = bool(message.get("more_body", False))
        buffered: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([buffered], then=receive), send)

    async def _too_large(self, send: Send) -> None:
        await self._answer(
            send,
            413,
            "too_large",
            f"Request body over {self.limit} bytes.",
            "درخواست بیش از اندازه بزرگ است.",
        )

    async def _answer(
        self, send: Send, status: int, code: str, message_en: str, message: str = ""
    ) -> None:
        response = JSONResponse(
            error_body(code, message or "درخواست نامعتبر است.", message_en), status_code=status
        )
        await response({"type": "http"}, _replay([]), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
