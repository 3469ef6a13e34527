"""The central catalogue of business fields (issue 15): the server owns it.

Until an operator imports a change, the catalogue is the shipped one
(resources/reference/business_fields.csv, version 0). ``daftar-server catalogue import
FILE.csv`` adds fields, renames them and retires or reactivates them (rows keyed by
code; fields the file does not name stay as they are); every import that changes
something is a new version. Fields are never deleted: a retired field refuses new
licences (server.push) but licences already in it stay valid and visible.

Offices pull the catalogue with the rest of the reference data (``GET /v1/reference``)
when the digest their handshake announces changes (app.services.sync.client) — the
same mechanism that has always carried the shipped reference data.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from common.reference import (
    APPROVING_BODIES,
    CATALOGUE_COLUMNS,
    reference_id,
    reference_rows,
    reference_version,
)
from common.text import normalize_text, search_key
from server.models import CatalogueField, CatalogueVersion

#: The columns a catalogue file must have (``isic`` and ``active`` may be missing).
REQUIRED_COLUMNS = ("code", "name", "group_code", "approving_body", "starred")
#: The longest field name.
MAX_NAME = 200


class CatalogueError(Exception):
    """A catalogue file that can't be imported; ``problems`` says why, line by line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class CatalogueState:
    """The catalogue as offices see it: its version, the digest of the reference data
    it makes, those tables, and the field ids a pushed row may name (all) or may no
    longer choose for a new licence (retired)."""

    version: int
    digest: str
    tables: dict[str, list[dict[str, Any]]]
    field_ids: frozenset[str]
    retired_ids: frozenset[str]


@dataclass
class ImportSummary:
    """What an import changed."""

    version: int
    added: int = 0
    renamed: int = 0
    retired: int = 0
    reactivated: int = 0
    changed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.renamed or self.retired or self.reactivated or self.changed)


_lock = threading.Lock()
#: Catalogue states by digest: a digest names one catalogue, so a cached state is never
#: stale; every worker process keeps its own.
_states: dict[str, CatalogueState] = {}


def _shipped_fields() -> list[dict[str, Any]]:
    return list(reference_rows()["business_field"])


def _field_row(row: CatalogueField) -> dict[str, Any]:
    """A stored field in the reference data's form (common.reference.reference_rows)."""
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "group_id": reference_id("field_group", row.group_code),
        "approving_body": row.approving_body,
        "starred": bool(row.starred),
        "isic": row.isic,
        "active": bool(row.active),
    }


def _tables_with(fields: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    tables = reference_rows()
    return {**tables, "business_field": sorted(fields, key=lambda row: str(row["code"]))}


def _state(version: int, tables: dict[str, list[dict[str, Any]]]) -> CatalogueState:
    fields = tables["business_field"]
    return CatalogueState(
        version=version,
        digest=reference_version(tables),
        tables=tables,
        field_ids=frozenset(str(row["id"]) for row in fields),
        retired_ids=frozenset(str(row["id"]) for row in fields if not row["active"]),
    )


def _latest(session: Session) -> CatalogueVersion | None:
    return session.scalars(
        select(CatalogueVersion).order_by(CatalogueVersion.version.desc()).limit(1)
    ).first()


def current_digest(session: Session) -> str:
    """The digest of the reference data offices should hold (one small query: every
    handshake announces it)."""
    latest = _latest(session)
    return latest.digest if latest is not None else catalogue_state(session).digest


def catalogue_state(session: Session) -> CatalogueState:
    """The current catalogue (cached by digest)."""
    latest = _latest(session)
    key = latest.digest if latest is not None else ""
    with _lock:
        cached = _states.get(key)
    if cached is not None:
        return cached
    if latest is None:
        state = _state(0, reference_rows())
    else:
        stored = session.scalars(select(CatalogueField).order_by(CatalogueField.code))
        state = _state(latest.version, _tables_with([_field_row(row) for row in stored]))
    with _lock:
        _states[key] = state
    return state


# --- the file ----------------------------------------------------------------------


def _flag(value: str, column: str, line: int, problems: list[str]) -> bool | None:
    if value in ("", None):
        return None
    if value not in ("0", "1"):
        problems.append(f"line {line}: {column} must be 0 or 1, not {value!r}")
        return None
    return value == "1"


def _parsed_row(
    raw: dict[str, str], line: int, groups: set[str], problems: list[str]
) -> dict[str, Any] | None:
    """One file row checked: its values, or None (the problems appended)."""
    before = len(problems)
    code = raw.get("code", "")
    group = raw.get("group_code", "")
    name = normalize_text(raw.get("name", ""))
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        problems.append(f"line {line}: code must be 6 ASCII digits, not {code!r}")
    if group not in groups:
        problems.append(f"line {line}: group_code {group!r} is not a field group")
    elif not code.startswith(group):
        problems.append(f"line {line}: code {code} does not start with its group_code {group}")
    if not name or len(name) > MAX_NAME:
        problems.append(f"line {line}: name is empty or longer than {MAX_NAME} characters")
    body = normalize_text(raw.get("approving_body", ""))
    if body not in APPROVING_BODIES:
        problems.append(f"line {line}: approving_body {body!r} is not one of the approving bodies")
    isic = raw.get("isic", "") or ""
    if isic and not (len(isic) == 4 and isic.isascii() and isic.isdigit()):
        problems.append(f"line {line}: isic must be 4 ASCII digits or empty, not {isic!r}")
    starred = _flag(raw.get("starred", ""), "starred", line, problems)
    active = _flag(raw.get("active", ""), "active", line, problems)
    if len(problems) > before:
        return None
    return {
        "code": code,
        "name": name,
        "group_code": group,
        "approving_body": body,
        "starred": bool(starred),
        "isic": isic,
        "active": active,
    }


def read_catalogue_file(text: str) -> list[dict[str, Any]]:
    """The rows of a catalogue CSV (UTF-8, header row: resources/reference/README.md),
    every one checked; raises CatalogueError naming every bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CatalogueError([f"the header lacks the column(s): {', '.join(missing)}"])
    unknown = [name for name in header if name not in CATALOGUE_COLUMNS]
    if unknown:
        raise CatalogueError([f"unknown column(s): {', '.join(unknown)}"])
    groups = {str(row["code"]) for row in reference_rows()["field_group"]}
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        cleaned = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(cleaned.values()):
            continue
        row = _parsed_row(cleaned, line, groups, problems)
        if row is None:
            continue
        if row["code"] in seen:
            problems.append(f"line {line}: code {row['code']} is also on line {seen[row['code']]}")
            continue
        seen[row["code"]] = line
        rows.append(row)
    if problems:
        raise CatalogueError(problems)
    if not rows:
        raise CatalogueError(["the file has no rows"])
    return rows


# --- import and export ---------------------------------------------------------------


def _stored_fields(session: Session) -> dict[str, dict[str, Any]]:
    """The catalogue by code, in the file's form (the shipped one before any import)."""
    if session.scalar(select(func.count()).select_from(CatalogueField)):
        return {
            row.code: {
                "code": row.code,
                "name": row.name,
                "group_code": row.group_code,
                "approving_body": row.approving_body,
                "starred": bool(row.starred),
                "isic": row.isic,
                "active": bool(row.active),
            }
            for row in session.scalars(select(CatalogueField))
        }
    groups = {str(row["id"]): str(row["code"]) for row in reference_rows()["field_group"]}
    return {
        str(row["code"]): {
            "code": row["code"],
            "name": row["name"],
            "group_code": groups[str(row["group_id"])],
            "approving_body": row["approving_body"],
            "starred": bool(row["starred"]),
            "isic": row["isic"],
            "active": bool(row["active"]),
        }
        for row in _shipped_fields()
    }


def _merge(
    fields: dict[str, dict[str, Any]], rows: Iterable[dict[str, Any]], summary: ImportSummary
) -> None:
    """Apply the file's rows to ``fields`` (by code), counting what changed."""
    for row in rows:
        current = fields.get(row["code"])
        if current is None:
            fields[row["code"]] = {**row, "active": row["active"] is not False}
            summary.added += 1
            continue
        updated = {**current, **{k: v for k, v in row.items() if v is not None}}
        if updated["name"] != current["name"]:
            summary.renamed += 1
        if current["active"] and not updated["active"]:
            summary.retired += 1
        elif updated["active"] and not current["active"]:
            summary.reactivated += 1
        elif updated != current and updated["name"] == current["name"]:
            summary.changed += 1
        fields[row["code"]] = updated


def _duplicate_names(fields: dict[str, dict[str, Any]]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for code in sorted(fields):
        key = search_key(fields[code]["name"])
        if key in seen:
            problems.append(f"fields {seen[key]} and {code} would have the same name")
        seen[key] = code
    return problems


def import_catalogue(session: Session, text: str, source: str = "") -> ImportSummary:
    """Apply a catalogue file (all of it or nothing); a new version if anything changed.
    The caller commits."""
    rows = read_catalogue_file(text)
    fields = _stored_fields(session)
    latest = _latest(session)
    summary = ImportSummary(version=(latest.version if latest is not None else 0) + 1)
    _merge(fields, rows, summary)
    if problems := _duplicate_names(fields):
        raise CatalogueError(problems)
    if not summary.any:
        summary.version -= 1
        return summary
    session.execute(delete(CatalogueField))
    stored = [
        {**values, "id": reference_id("business_field", code)}
        for code, values in sorted(fields.items())
    ]
    session.execute(insert(CatalogueField), stored)
    tables = _tables_with([_field_row(CatalogueField(**values)) for values in stored])
    session.add(
        CatalogueVersion(
            version=summary.version,
            digest=reference_version(tables),
            source=Path(source).name[:200],
            added=summary.added,
            renamed=summary.renamed,
            retired=summary.retired,
            reactivated=summary.reactivated,
        )
    )
    session.flush()
    return summary


def export_catalogue(session: Session) -> str:
    """The current catalogue as a CSV file's text (the import's format, every field)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CATALOGUE_COLUMNS)
    for code, row in sorted(_stored_fields(session).items()):
        writer.writerow(
            (
                code,
                row["name"],
                row["group_code"],
                row["approving_body"],
                "1" if row["starred"] else "0",
                row["isic"],
                "1" if row["active"] else "0",
            )
        )
    return out.getvalue()
