"""The banks a facility case may name (resources/reference/banks.csv; its source is in
resources/reference/README.md): the Central Bank's three-digit bank identifiers (the ones
in every Sheba number), their Persian names, and which are the home-business programme's
partner banks (Refah Kargaran and Mehr Iran)."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass

from common.reference import reference_folder
from common.text import normalize_text, persian_sort_key, search_key


@dataclass(frozen=True)
class Bank:
    """A bank: its identifier (``017``), Persian name, and whether it is a partner."""

    code: str
    name: str
    partner: bool

    @property
    def label(self) -> str:
        """The name as lists show it (a partner bank says so)."""
        return f"{self.name} (بانک عامل برنامه)" if self.partner else self.name


@functools.cache
def banks() -> tuple[Bank, ...]:
    """Every bank: partner banks first, then the rest in Persian dictionary order."""
    with (reference_folder() / "banks.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            Bank(row["code"].strip(), normalize_text(row["name"]), row["partner"].strip() == "1")
            for row in csv.DictReader(handle)
        ]
    return tuple(sorted(rows, key=lambda bank: (not bank.partner, persian_sort_key(bank.name))))


@functools.cache
def bank_codes() -> frozenset[str]:
    """The codes a case may store."""
    return frozenset(bank.code for bank in banks())


def bank_name(code: str) -> str:
    """A bank's Persian name (the code itself when it is unknown)."""
    return next((bank.name for bank in banks() if bank.code == code), code)


def bank_from_text(value: str) -> str | None:
    """A bank code from its code or Persian name (with or without «بانک», or a part of the
    name only one bank has); None if unknown."""
    text = normalize_text(value)
    if text in bank_codes():
        return text
    if text.isdigit() and text.zfill(3) in bank_codes():
        return text.zfill(3)
    wanted = search_key(text.removeprefix("بانک"))
    if not wanted:
        return None
    for bank in banks():
        if wanted in (search_key(bank.name), search_key(bank.name.removeprefix("بانک"))):
            return bank.code
    # A part of the name that only one bank has («مهر ایران», «رفاه»).
    found = [bank.code for bank in banks() if wanted in search_key(bank.name)]
    return found[0] if len(found) == 1 else None
