"""Error answers of the API: ``{"error": code, "message": fa, "message_en": en}``.

The Persian ``message`` is for the clerk (the client shows it as is), ``message_en`` for
logs and operators. The body's model is common.protocol.ErrorResponse.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class ApiError(Exception):
    """An error answered to the client with a status, a code and two messages."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        message_en: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message = message
        self.message_en = message_en
        self.headers = headers


def error_body(code: str, message: str, message_en: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error answer."""
    return {"error": code, "message": message, "message_en": message_en, **extra}


class ErrorJSONResponse(JSONResponse):
    """An error answer that may quote the request: a lone surrogate (the JSON escape
    ``"\\ud800"``, which UTF-8 can't encode) is written back as the same escape."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")
