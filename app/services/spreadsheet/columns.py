"""The columns of a spreadsheet kind, each declared once.

A :class:`Column` says everything about one column of a kind's file: its Persian header
(and other spellings accepted on import), whether a file must have it, how a cell's text
is read into a value (and, when it can't be, the Persian reason), how a value is written
back on export, and what the template's guide says about it. :class:`Columns` is a
kind's table of them; it maps a file's header row to positions (in any order, extra
columns ignored).

Readers are functions ``(text, context) -> value`` that raise :class:`CellProblem`; the
factories below make the usual ones (choices from the vocabulary, Jalali dates, lookups
of reference data, lists). Writers are functions ``value -> cell``. Reading what a
column writes gives the value back, which is why an export imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from app.services.spreadsheet.sheetfile import ImportFileError
from common import jalali
from common.errors import ValidationError
from common.text import normalize_text, search_key, to_ascii_digits
from common.vocabulary import Vocabulary

T = TypeVar("T")


class CellProblem(Exception):
    """A cell can't be read; ``message`` is the Persian reason shown with its column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellContext(Protocol):
    """What a reader may use besides the cell's text: today's date, and reference tables
    loaded once per import (``table(loader)`` calls ``loader(session)`` the first time)."""

    @property
    def today(self) -> dt.date: ...

    def table(self, loader: Callable[[Session], T]) -> T: ...


#: Reads a cell's text (stripped; "" when empty or missing) into a value.
Reader = Callable[[str, CellContext], Any]
#: Writes a value as a cell (text, or a number the spreadsheet keeps as it is).
Writer = Callable[[Any], Any]


def text(value: str, _context: CellContext) -> str:
    """The default reader: the cell's text as it is (the services validate it)."""
    return value


@dataclass(frozen=True)
class Column:
    """One column of a kind's file.

    ``name`` is the code name rows and row handlers use; ``required`` means the header
    must be in the file (whether a cell may be empty is the reader's or the service's
    business); ``part`` groups columns in the template's guide (an event's columns and
    a participant's); ``aliases`` are other headers accepted on import; ``read`` turns
    the cell's text into a value; ``write`` turns a value into the cell (None: as it is).
    """

    header: str
    name: str
    required: bool = False
    example: str = ""
    note: str = ""
    part: str = ""
    aliases: tuple[str, ...] = ()
    read: Reader = text
    write: Writer | None = None


class Columns:
    """A kind's columns, in the order of its template."""

    def __init__(self, *columns: Column) -> None:
        self._columns = columns
        self._by_name = {column.name: column for column in columns}
        if len(self._by_name) != len(columns):
            raise ValueError("two columns share a name")
        self._order = {column.name: index for index, column in enumerate(columns)}
        self._by_key: dict[str, Column] = {}
        for column in columns:
            for title in (column.header, *column.aliases):
                key = search_key(title)
                if self._by_key.setdefault(key, column) is not column:
                    raise ValueError(f"two columns answer to the header {title!r}")

    def __iter__(self) -> Iterator[Column]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, name: str) -> Column:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def headers(self) -> list[str]:
        """The header row of the template and of every export."""
        return [column.header for column in self._columns]

    def header_of(self, name: str) -> str:
        """The Persian header of the column ``name``."""
        return self._by_name[name].header

    def order_of(self, name: str) -> int:
        """The column's position in the table (problems of a row are listed in it)."""
        return self._order.get(name, len(self._columns))

    def map_headers(self, header: Iterable[str], hint: str) -> dict[str, int]:
        """Where each column is in a file whose first row is ``header``: code name →
        position. Headers match in any order, by their search key (spacing, Arabic
        letters and digits don't matter) or an alias; other columns are ignored, and
        of a column given twice the first counts.

        Raises ImportFileError naming the required columns that are missing, then
        ``hint`` (how to get the template).
        """
        positions: dict[str, int] = {}
        for index, title in enumerate(header):
            column = self._by_key.get(search_key(title))
            if column is not None and column.name not in positions:
                positions[column.name] = index
        missing = [c.header for c in self._columns if c.required and c.name not in positions]
        if missing:
            raise ImportFileError(
                "ستون‌های لازم در سطر اول فایل نیستند: "
                + "، ".join(f"«{m}»" for m in missing)
                + f". {hint}"
            )
        return positions

    def write_row(self, values: Iterable[Any]) -> list[Any]:
        """A record's values (one per column, in order) as the cells of a row."""
        return [
            value if column.write is None else column.write(value)
            for column, value in zip(self._columns, values, strict=True)
        ]

    def writers(self) -> list[tuple[int, Writer]]:
        """The columns that change their value when written: (position, writer)."""
        return [(i, c.write) for i, c in enumerate(self._columns) if c.write is not None]


# -- readers ------------------------------------------------------------------------------


def cleaned(
    clean: Callable[[str], str], *, max_length: int | None = None, too_long: str = ""
) -> Reader:
    """Text as ``clean`` makes it; longer than ``max_length``: the problem ``too_long``."""

    def read(value: str, _context: CellContext) -> str:
        result = clean(value)
        if max_length is not None and len(result) > max_length:
            raise CellProblem(too_long)
        return result

    return read


def validated(validate: Callable[[str], T]) -> Reader:
    """The value ``validate`` returns; its ValidationError is the cell's problem."""

    def read(value: str, _context: CellContext) -> T:
        try:
            return validate(value)
        except ValidationError as exc:
            raise CellProblem(exc.message) from exc

    return read


_MISSING: Any = object()


def choice(
    vocabulary: type[Vocabulary],
    message: str,
    *,
    default: Any = _MISSING,
    also: Mapping[str, str] | None = None,
) -> Reader:
    """A value of ``vocabulary``, by its Persian label or its code (compared by search
    key); ``also`` adds spellings (or overrides them). An empty cell gives ``default``,
    or the problem ``message`` when there is none; so does an unknown value."""
    accepts = {search_key(member.label): member.value for member in vocabulary}
    accepts.update({search_key(member.value): member.value for member in vocabulary})
    accepts.update({search_key(k): v for k, v in (also or {}).items()})
    accepts.pop("", None)

    def read(value: str, _context: CellContext) -> Any:
        if not value and default is not _MISSING:
            return default
        found = accepts.get(search_key(value))
        if found is None:
            raise CellProblem(message)
        return found

    return read


def jalali_date(
    field: str,
    label: str,
    *,
    required: bool = False,
    future: str | None = None,
) -> Reader:
    """A Jalali date, in any digits (None when empty and not ``required``); a date after
    today gives the problem ``future`` when it is given."""

    def read(value: str, context: CellContext) -> dt.date | None:
        try:
            day = jalali.parse_jalali(value, field, label, required=required)
        except ValidationError as exc:
            raise CellProblem(exc.message) from exc
        if future is not None and day is not None and day > context.today:
            raise CellProblem(future)
        return day

    return read


def find(table: Mapping[str, T], value: str) -> T | None:
    """A reference row by its code (any digits) or its name (by search key)."""
    key = to_ascii_digits(normalize_text(value))
    return table.get(key) or table.get(search_key(key))


def lookup(
    loader: Callable[[Session], Mapping[str, T]],
    unknown: Callable[[str], str],
    *,
    empty: str | None = None,
) -> Reader:
    """A row of the reference table ``loader`` builds (once per import), found by
    :func:`find`. An empty cell gives None, or the problem ``empty`` when it is given;
    a value not in the table the problem ``unknown(value)``."""

    def read(value: str, context: CellContext) -> T | None:
        if not value:
            if empty is not None:
                raise CellProblem(empty)
            return None
        found = find(context.table(loader), value)
        if found is None:
            raise CellProblem(unknown(value))
        return found

    return read


def each(read_item: Reader, separators: str) -> Reader:
    """A list: the cell split at the regular expression ``separators``, each non-empty
    part read by ``read_item`` (the first part that can't be read is the problem)."""
    pattern = re.compile(separators)

    def read(value: str, context: CellContext) -> list[Any]:
        return [
            read_item(part.strip(), context)
            for part in pattern.split(normalize_text(value))
            if part.strip()
        ]

    return read


# -- writers ------------------------------------------------------------------------------


def label(vocabulary: type[Vocabulary]) -> Writer:
    """A stored code as its Persian label (an unknown code as it is; None as "")."""
    labels = vocabulary.labels()

    def write(value: Any) -> str:
        if value is None:
            return ""
        return labels.get(value) or str(value)

    return write


def jalali_text(value: dt.date | str | None) -> str:
    """A date (or its ISO text) as a Jalali date in ASCII digits: ``1403/05/12``."""
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return jalali.format_jalali(day, persian_digits=False)


def joined(separator: str, write_item: Writer = str) -> Writer:
    """A list as its items, written by ``write_item``, joined by ``separator``."""

    def write(values: Iterable[Any] | None) -> str:
        return separator.join(write_item(value) for value in values or ())

    return write
