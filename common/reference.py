"""The reference data Daftar ships (provinces and counties of iran-cities, the field
groups and the starter business-field catalogue), read from its CSV files, with the
deterministic ids every office and the central server give each row.

No database here: the desktop app stores these rows (app.services.core.reference), the
server serves them (``GET /v1/reference``) and checks pushed rows against them.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from common.resources import resources_dir
from common.text import normalize_text

#: The bodies that approve a business field (``approving_body`` of the catalogue).
APPROVING_BODIES = (
    "صمت",
    "میراث فرهنگی و صنایع دستی",
    "فرهنگ و ارشاد اسلامی",
    "جهاد کشاورزی",
)
#: The columns of a business-field catalogue CSV (the shipped file, and what
#: ``daftar-server catalogue import`` reads and ``export`` writes; ``active`` optional).
CATALOGUE_COLUMNS = ("code", "name", "group_code", "approving_body", "starred", "isic", "active")

#: Namespace for deterministic ids of shipped reference data, so that every office
#: and the central server give the same province, county and field the same id.
REFERENCE_NAMESPACE = uuid.UUID("5f1b7c3e-8a2d-4c61-9d0e-3b7a2f4e6c11")


def reference_id(kind: str, code: str) -> str:
    """Return the deterministic id of a shipped reference row (kind + natural code)."""
    return str(uuid.uuid5(REFERENCE_NAMESPACE, f"{kind}:{code}"))


def reference_folder() -> Path:
    """The folder of the shipped reference CSV files."""
    return resources_dir() / "reference"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def reference_rows(folder: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The shipped reference data as rows per table (parents first), with the
    deterministic ids every office and the central server agree on."""
    folder = folder or reference_folder()
    cities = folder / "iran-cities"
    provinces = _read_csv(cities / "ostan.csv")
    by_local_id = {row["id"]: row["amar_code"] for row in provinces}
    return {
        "province": [
            {
                "id": reference_id("province", row["amar_code"]),
                "code": row["amar_code"],
                "name": normalize_text(row["name"]),
            }
            for row in provinces
        ],
        "county": [
            {
                "id": reference_id("county", row["amar_code"]),
                "code": row["amar_code"],
                "name": normalize_text(row["name"]),
                "province_id": reference_id("province", by_local_id[row["ostan"]]),
            }
            for row in _read_csv(cities / "shahrestan.csv")
        ],
        "field_group": [
            {
                "id": reference_id("field_group", row["code"]),
                "code": row["code"],
                "name": normalize_text(row["name"]),
            }
            for row in _read_csv(folder / "field_groups.csv")
        ],
        "business_field": [
            {
                "id": reference_id("business_field", row["code"]),
                "code": row["code"],
                "name": normalize_text(row["name"]),
                "group_id": reference_id("field_group", row["group_code"]),
                "approving_body": row["approving_body"],
                "starred": row["starred"] == "1",
                "isic": row.get("isic", ""),
                "active": row.get("active", "1") != "0",
            }
            for row in _read_csv(folder / "business_fields.csv")
        ],
    }


def reference_version(rows: dict[str, list[dict[str, Any]]]) -> str:
    """A digest of reference rows: equal digests, equal data."""
    encoded = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]


@functools.cache
def shipped_county_names() -> dict[str, str]:
    """County code → name from the shipped reference data: a verifier shows the county's
    name beside its code."""
    return {str(row["code"]): str(row["name"]) for row in reference_rows()["county"]}
