"""A kind of spreadsheet (licences, supporters, events, …): everything the import, the
export, the template, the command line and the import dialog need to know about it.

A domain adds a kind by declaring one :class:`SheetKind`: its column table
(:class:`app.services.spreadsheet.columns.Columns`), its row handler (what to do with a
valid row: :class:`app.services.spreadsheet.importer.RowHandler`), the records its export
writes, and the texts a clerk reads. Then it lists the kind in
:mod:`app.services.sheet_kinds`, and ``daftar import|export --kind NAME`` and the import
dialog serve it. ``docs/spreadsheets.md`` walks through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.progress import Progress
from app.services.spreadsheet import exporter
from app.services.spreadsheet.columns import Columns
from app.services.spreadsheet.importer import ImportResult, ImportRun, RowHandler, run_import
from common.vocabulary import Permission

#: A kind's records for its export: one sequence of values per row, in column order.
Records = Callable[[Session], Iterable[Sequence[Any]]]


@dataclass(eq=False)
class SheetKind:
    """One kind of spreadsheet.

    ``name`` is what ``--kind`` takes and the records kind the screens refresh on
    (``"licences"``); ``sheet_title`` names the sheet of its files.

    The texts the import dialog shows: ``import_title`` (its title), ``intro`` (what a
    row is and the rules), ``plural`` (in file names: «الگوی-ورود-{plural}.xlsx»,
    «{plural}-1405-03-12.xlsx») and ``unit`` (what its summary counts: «مجوز», «ردیف»).

    How its import runs: ``progress_every`` rows between progress reports (and cancel
    checks); ``row_savepoints`` (see :mod:`app.services.spreadsheet.importer`);
    ``field_columns`` maps a service's field names to the columns their errors are shown
    in (a field named like a column needs no entry), ``fallback_column`` takes the rest.
    """

    name: str
    columns: Columns
    rows: Callable[[ImportRun], RowHandler]
    records: Records
    sheet_title: str
    import_title: str
    intro: str
    plural: str
    unit: str = "ردیف"
    template_notes: tuple[str, ...] = ()
    progress_every: int = 100
    export_progress_every: int = 500
    row_savepoints: bool = False
    field_columns: Mapping[str, str] = field(default_factory=dict)
    fallback_column: str = ""

    def __post_init__(self) -> None:
        if not self.fallback_column:
            self.fallback_column = next(iter(self.columns)).name
        for column in (self.fallback_column, *self.field_columns.values()):
            if column not in self.columns:
                raise ValueError(f"{self.name}: no column named {column!r}")

    @property
    def template_hint(self) -> str:
        """How to get the empty template (ends the message about missing columns)."""
        return (
            "الگوی خالی را با «دریافت الگوی خالی…» در پنجرهٔ ورود یا با "
            f"«daftar import --template FILE.xlsx --kind {self.name}» بسازید."
        )

    @requires(Permission.IMPORT)
    def import_file(
        self,
        session: Session,
        path: Path | str,
        progress: Progress | None = None,
        *,
        today: dt.date | None = None,
    ) -> ImportResult:
        """Import a file of this kind into the session's database (one transaction).

        Raises ImportFileError (nothing imported) when the file can't be read, is empty or
        lacks a required column; cancelling through ``progress`` raises Cancelled.
        """
        return run_import(self, session, path, progress, today=today)

    @requires(Permission.EXPORT)
    def export_file(
        self, session: Session, path: Path | str, progress: Progress | None = None
    ) -> int:
        """Write every record of this kind in its template (.xlsx or .csv); returns the
        rows written."""
        return self.write_records(path, self.records(session), progress)

    def write_records(
        self,
        path: Path | str,
        records: Iterable[Sequence[Any]],
        progress: Progress | None = None,
    ) -> int:
        """Write these records (one value per column) in the template; returns the rows."""
        return exporter.write_export(
            path, self.columns, self.sheet_title, records, progress, self.export_progress_every
        )

    def write_template(self, path: Path | str) -> Path:
        """Write the empty template: the header row, and a sheet explaining each column."""
        return exporter.write_template(path, self.columns, self.sheet_title, self.template_notes)
