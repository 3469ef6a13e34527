"""The command line signs in: every ``daftar`` these tests run acts as the head of office
of tests.accounts_support (``daftar init`` and ``daftar setup`` create that account)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.accounts_support import HEAD_INPUT


@pytest.fixture(autouse=True, scope="module")
def _signed_in_as_head() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAFTAR_USER", HEAD_INPUT.username)
        patch.setenv("DAFTAR_PASSWORD", HEAD_INPUT.password)
        patch.delenv("DAFTAR_NEW_PASSWORD", raising=False)
        yield
