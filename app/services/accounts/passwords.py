"""Password hashing: argon2id (memory-hard) through argon2-cffi, with its recommended
parameters (RFC 9106's second choice: 64 MiB, 3 passes). A hash is a PHC string carrying
its own salt and parameters, so stronger parameters later re-hash at the next sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from common.errors import ValidationError

_HASHER = PasswordHasher()
#: Verified when the username is unknown, so that an unknown name takes as long as a
#: wrong password (nobody learns which names exist from the time an answer takes);
#: made at the first need, not at import (a hash costs as long as a sign-in).
_DUMMY: list[str] = []
MIN_LENGTH = 8


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash("daftar: no such account"))
    return _DUMMY[0]


def check_new_password(password: str, field: str = "password") -> str:
    """Refuse a password too short to protect the register."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(field, "گذرواژه باید دست‌کم ۸ نویسه باشد")
    if password.strip() != password or not password.strip():
        raise ValidationError(field, "گذرواژه نباید با فاصله شروع یا تمام شود")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash (PHC string) of ``password``."""
    return _HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (None: an unknown account, checked
    against a dummy hash all the same). argon2 compares in constant time."""
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored_hash)
