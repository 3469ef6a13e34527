"""Catalogue files for the tests of the central catalogue (server.catalogue): the shipped
catalogue grown to a given size, with some fields retired."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from common.reference import CATALOGUE_COLUMNS, reference_rows

#: A field group per new field, in turn (the shipped groups 01..07).
GROUPS = ("01", "02", "03", "04", "05", "06", "07")


def shipped_field_codes() -> list[str]:
    """The codes of the shipped catalogue, in order."""
    return sorted(str(row["code"]) for row in reference_rows()["business_field"])


def catalogue_file(
    *, total: int = 500, retire: Iterable[str] = (), rename: dict[str, str] | None = None
) -> str:
    """A catalogue CSV that adds fields until the catalogue holds ``total``, retires the
    ``retire`` codes and renames the ``rename`` codes (code → new name)."""
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(CATALOGUE_COLUMNS)
    shipped = shipped_field_codes()
    for n in range(total - len(shipped)):
        group = GROUPS[n % len(GROUPS)]
        writer.writerow(
            (f"{group}{9000 + n:04d}", f"رشته تازه شماره {n + 1}", group, "صمت", "0", "", "1")
        )
    by_code = {str(row["code"]): row for row in reference_rows()["business_field"]}
    groups = {str(row["id"]): str(row["code"]) for row in reference_rows()["field_group"]}
    for code in sorted({*retire, *(rename or {})}):
        row = by_code[code]
        writer.writerow(
            (
                code,
                (rename or {}).get(code, row["name"]),
                groups[str(row["group_id"])],
                row["approving_body"],
                "1" if row["starred"] else "0",
                row["isic"],
                "0" if code in set(retire) else "",
            )
        )
    return lines.getvalue()
