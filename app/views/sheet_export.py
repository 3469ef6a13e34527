"""«خروجی اکسل»: writing records to a spreadsheet the clerk picks, in the GUI.

:func:`export_kind` writes every record of a kind (supporters, events, …) in its import
template; :func:`export_register` writes the register, or the part the register screen's
filter shows (the clerk chooses). Both ask for a file (xlsx or csv), run the kind's
export in a worker with progress and cancel, write through a temporary file that
replaces the destination only when the export is complete, and say how many rows were
written where. The file helpers here serve the import dialog too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from sqlalchemy.orm import Session

from app.services.core.progress import Cancelled, Progress
from app.services.licences import io as licences_io
from app.services.licences import register
from app.services.licences.register import RegisterFilter
from app.services.sheet_kinds import LICENCES
from app.services.spreadsheet.kind import SheetKind
from app.views.bootstrap import persian_locale
from app.views.context import AppContext
from app.views.errors import describe_environment_error, show_error
from app.views.widgets import messages
from common import jalali
from common.errors import DomainError
from common.files import atomic_path
from common.text import isolate_ltr

XLSX_SUFFIX = ".xlsx"
CSV_SUFFIX = ".csv"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


def documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def with_suffix(chosen: str, selected_filter: str, allowed: Sequence[str]) -> Path:
    """The chosen path, given the suffix of the selected filter if it has none allowed."""
    path = Path(chosen)
    if path.suffix.lower() in allowed:
        return path
    suffix = next((s for s in allowed if f"*{s}" in selected_filter), allowed[0])
    return path.with_name(path.name + suffix)


def write_failed_message(exc: BaseException, path: Path) -> str | None:
    """A Persian message for a file that could not be written, or None for a bug."""
    known = describe_environment_error(exc)
    if known is not None:
        return known
    if isinstance(exc, OSError):
        return _tr(
            "فایل {path} نوشته نشد. اگر این فایل در برنامهٔ دیگری (مثل اکسل) باز است آن را "
            "ببندید، یا جای دیگری برای ذخیره انتخاب کنید."
        ).format(path=isolate_ltr(str(path)))
    return None


def is_filtered(flt: RegisterFilter) -> bool:
    """True if ``flt`` narrows the register (its sort order alone does not)."""
    default = RegisterFilter()
    return replace(flt, sort=default.sort, descending=default.descending) != default


def default_export_name(kind: SheetKind = LICENCES) -> str:
    """«مجوزها-1405-03-12.xlsx»: the kind's records and today's Jalali date, in ASCII
    digits and dashes."""
    stamp = jalali.format_jalali(jalali.today(), persian_digits=False).replace("/", "-")
    return _tr("{records}-{date}.xlsx").format(records=_tr(kind.plural), date=stamp)


def _done_text(kind: SheetKind) -> str:
    """What the clerk is told after an export ({count}, {name} and {folder} to fill)."""
    text = _tr("{count} {unit} در فایل «{name}» ذخیره شد.\nپوشه: {folder}")
    return text.replace("{unit}", _tr(kind.unit))


def export_kind(ctx: AppContext, parent: QWidget | None, kind: SheetKind) -> None:
    """«خروجی اکسل …»: every record of ``kind`` (supporters with their members, events
    with their participants, …) in its import template."""
    export_to_chosen_file(
        ctx,
        parent,
        lambda session, path, progress: kind.export_file(session, path, progress),
        default_name=default_export_name(kind),
        done_text=_done_text(kind),
    )


def ask_export_scope(parent: QWidget | None, shown: int, total: int) -> bool | None:
    """Ask whether to export only the licences the filter shows (True), all (False).

    None if the clerk cancelled. A module function so that tests replace it.
    """
    locale = persian_locale()
    box = QMessageBox(
        QMessageBox.Icon.Question,
        _tr("خروجی اکسل"),
        _tr(
            "دفتر اکنون با فیلتر {shown} مجوز از {total} مجوز را نشان می‌دهد. "
            "کدام را در فایل ذخیره کنیم؟"
        ).format(shown=locale.toString(shown), total=locale.toString(total)),
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    only = box.addButton(
        _tr("فقط {count} مجوز فیلترشده").format(count=locale.toString(shown)),
        QMessageBox.ButtonRole.YesRole,
    )
    every = box.addButton(
        _tr("همهٔ {count} مجوز").format(count=locale.toString(total)),
        QMessageBox.ButtonRole.NoRole,
    )
    cancel = box.addButton(_tr("انصراف"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(only)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is only:
        return True
    if clicked is every:
        return False
    return None


#: A service export: writes rows to the path (xlsx or csv), returns how many.
Exporter = Callable[[Session, Path, Progress], int]


def write_export_with(
    session: Session, destination: Path, export: Exporter, progress: Progress
) -> int:
    """Export to a temporary file beside ``destination``, then move it in place.

    A cancelled or failed export leaves ``destination`` as it was (an earlier file of
    that name included) and no temporary file behind. Returns the rows written.
    """
    with atomic_path(destination) as temporary:
        written = export(session, temporary, progress)
        progress.check()  # cancelled during the last rows: still nothing written
    return written


def export_register(
    ctx: AppContext, parent: QWidget | None, flt: RegisterFilter | None = None
) -> None:
    """«خروجی اکسل…»: export the register (or what ``flt`` shows) to a file the clerk picks.

    When ``flt`` narrows the register the clerk chooses between those licences and all
    of them; then a file (xlsx or csv); the export runs in a worker with progress and
    cancel, and the clerk is told how many licences were written where.
    """
    if flt is None or not is_filtered(flt):
        _export_to_chosen_file(ctx, parent, None)
        return
    narrowed = flt

    def op(session: Session) -> tuple[int, int]:
        return register.count(session, narrowed), register.count(session, RegisterFilter())

    def counted(counts: tuple[int, int]) -> None:
        shown, total = counts
        if shown == total:
            _export_to_chosen_file(ctx, parent, None)
            return
        only_shown = ask_export_scope(parent, shown, total)
        if only_shown is not None:
            _export_to_chosen_file(ctx, parent, narrowed if only_shown else None)

    ctx.run_op(op, counted, parent=parent)


def _export_to_chosen_file(
    ctx: AppContext, parent: QWidget | None, flt: RegisterFilter | None
) -> None:
    def export(session: Session, path: Path, progress: Progress) -> int:
        return licences_io.export_file(session, path, flt, progress)

    export_to_chosen_file(
        ctx,
        parent,
        export,
        default_name=default_export_name(LICENCES),
        done_text=_done_text(LICENCES),
    )


def export_to_chosen_file(
    ctx: AppContext,
    parent: QWidget | None,
    export: Exporter,
    *,
    default_name: str,
    done_text: str,
) -> None:
    """Ask for a file (xlsx or csv), export to it in a worker with progress and cancel,
    then say how many rows were written where (``done_text`` takes {count}, {name},
    {folder}). Used by the register, the supporters and the events screens."""
    title = _tr("خروجی اکسل")
    chosen, selected = QFileDialog.getSaveFileName(
        parent,
        title,
        str(documents_folder() / default_name),
        _tr("کتاب اکسل (*.xlsx);;CSV با کدگذاری UTF-8 (*.csv)"),
    )
    if not chosen:
        return
    destination = with_suffix(chosen, selected, (XLSX_SUFFIX, CSV_SUFFIX))

    def op(session: Session, progress: Progress) -> int:
        return write_export_with(session, destination, export, progress)

    def succeeded(written: int) -> None:
        messages.inform(
            parent,
            title,
            done_text.format(
                count=persian_locale().toString(written),
                name=destination.name,
                folder=isolate_ltr(str(destination.parent)),
            ),
        )

    def failed(exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            messages.inform(parent, title, _tr("خروجی گرفتن لغو شد؛ فایلی نوشته نشد."))
            return
        message = None if isinstance(exc, DomainError) else write_failed_message(exc, destination)
        window = parent.window() if parent is not None else None
        show_error(window, DomainError(message) if message is not None else exc)

    ctx.run_op_progress(op, succeeded, failed, title=title, parent=parent)
