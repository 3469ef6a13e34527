"""Domain errors raised by services and shown to the user (messages are Persian)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` is the Persian text for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """One input field is invalid; ``field`` is its code name (e.g. ``"national_id"``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ValidationErrors(DomainError):
    """Several invalid fields, reported together (e.g. when saving a whole form)."""

    def __init__(self, errors: Iterable[ValidationError]) -> None:
        self.errors: list[ValidationError] = list(errors)
        super().__init__("\n".join(e.message for e in self.errors))

    def by_field(self) -> dict[str, str]:
        """Return the first message reported for each field."""
        result: dict[str, str] = {}
        for error in self.errors:
            result.setdefault(error.field, error.message)
        return result


def collect(errors: list[ValidationError], check: Callable[[], T]) -> T | None:
    """``check()``, or None with its ValidationError appended to ``errors`` (so a form
    reports every bad field at once)."""
    try:
        return check()
    except ValidationError as exc:
        errors.append(exc)
        return None
