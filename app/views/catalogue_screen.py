"""The business-field catalogue «فهرست رشته‌ها», read-only.

A few hundred rows: the whole list is loaded once (in a worker) into a small table model,
and a :class:`QSortFilterProxyModel` filters it on normalised text
(:func:`common.text.search_key` over name and code) and by group, and sorts it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core import reference
from app.services.core.reference import FieldInfo
from app.views.bootstrap import persian_locale
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets.table_model import SORT_ROLE, Column, ColumnTableModel, ModelIndex
from app.views.widgets.table_style import setup_record_table
from common.text import search_key
from common.vocabulary import RecordKind

COL_CODE, COL_NAME, COL_GROUP, COL_BODY, COL_STARRED, COL_ISIC = range(6)
STAR = "★"
INACTIVE_COLOR = QColor("#6b7280")
STAR_COLOR = QColor("#b45309")


def _tr(text: str) -> str:
    return QCoreApplication.translate("CatalogueModel", text)


@dataclass(frozen=True)
class _Catalogue:
    fields: list[FieldInfo]
    groups: list[tuple[str, str]]
    version: int


def _load_catalogue(session: Session) -> _Catalogue:
    return _Catalogue(
        reference.list_fields(session),
        reference.list_field_groups(session),
        reference.catalogue_version(session),
    )


def _starred_tip() -> str:
    return _tr(
        "رشتهٔ ستاره‌دار: افزون بر دستگاه تأییدکننده، تأیید دستگاه مربوط "
        "(بهداشت، دامپزشکی یا ارشاد) هم لازم است."
    )


def _inactive_tip() -> str:
    return _tr("این رشته دیگر فعال نیست و مجوز تازه برای آن صادر نمی‌شود.")


def catalogue_columns() -> tuple[Column[FieldInfo], ...]:
    """The catalogue's columns (sorted by raw values: codes as ASCII digits)."""
    return (
        Column(_tr("کد"), lambda bf: bf.code, digits=True),
        Column(_tr("نام رشته"), lambda bf: bf.name),
        Column(_tr("گروه"), lambda bf: bf.group_name, sort_key=lambda bf: bf.group_code),
        Column(_tr("دستگاه تأییدکننده"), lambda bf: bf.approving_body),
        Column(
            STAR,
            lambda bf: STAR if bf.starred else "",
            align=Qt.AlignmentFlag.AlignCenter,
            foreground=lambda bf: STAR_COLOR if bf.active else None,
            tooltip=lambda bf: _starred_tip() if bf.starred and bf.active else None,
            sort_key=lambda bf: int(bf.starred),
            header_tooltip=_tr("ستاره‌دار: نیازمند تأیید دستگاه دیگر"),
        ),
        Column(_tr("کد آیسیک"), lambda bf: bf.isic, digits=True),
    )


class CatalogueModel(ColumnTableModel[FieldInfo]):
    """The catalogue's fields as a table (all rows in memory)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            catalogue_columns(),
            parent,
            row_id=lambda bf: bf.id,
            row_foreground=lambda bf: None if bf.active else INACTIVE_COLOR,
            row_tooltip=lambda bf: None if bf.active else _inactive_tip(),
        )
        self._keys: list[str] = []

    def set_fields(self, fields: list[FieldInfo]) -> None:
        """Replace the rows."""
        self._keys = [search_key(f"{bf.name} {bf.code}") for bf in fields]
        self.set_rows(fields)

    def field(self, row: int) -> FieldInfo:
        """The field in ``row``."""
        found = self.row_data(row)
        assert found is not None
        return found

    def search_key(self, row: int) -> str:
        """The normalised text typing is matched against (name and code)."""
        return self._keys[row]


class CatalogueFilterModel(QSortFilterProxyModel):
    """Filters the catalogue by typed text (normalised) and by group; sorts by raw values."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._key = ""
        self._group: str | None = None
        self.setSortRole(SORT_ROLE)
        self.setSortLocaleAware(True)

    def set_text(self, text: str) -> None:
        """Show only fields whose name or code contains ``text`` (any script, any digits)."""
        key = search_key(text)
        if key != self._key:
            self.beginFilterChange()
            self._key = key
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_group(self, group_code: str | None) -> None:
        """Show only the fields of one group (None: every group)."""
        if group_code != self._group:
            self.beginFilterChange()
            self._group = group_code
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        source = self.sourceModel()
        if not isinstance(source, CatalogueModel):
            return True
        if self._group is not None and source.field(source_row).group_code != self._group:
            return False
        return not self._key or all(
            word in source.search_key(source_row) for word in self._key.split()
        )


class CatalogueScreen(QWidget):
    """The read-only catalogue of business fields, with a filter box and a group filter."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._locale = persian_locale()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("جستجو در نام یا کد رشته"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(280)
        self.group_combo = QComboBox()
        self.group_combo.addItem(self.tr("همه گروه‌ها"), None)
        self.count_label = QLabel()
        self.count_label.setObjectName("catalogueCount")
        note = self.note = QLabel(self._note_text(0))
        note.setObjectName("catalogueNote")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")

        self.model = CatalogueModel(self)
        self.proxy = CatalogueFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self._setup_table()

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addSpacing(12)
        group_label = QLabel(self.tr("گروه:"))
        group_label.setBuddy(self.group_combo)
        top.addWidget(group_label)
        top.addWidget(self.group_combo)
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        self.setFocusProxy(self.filter_edit)

        self.filter_edit.textChanged.connect(self.on_filter_edit_text_changed)
        self.group_combo.currentIndexChanged.connect(self.on_group_combo_changed)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self._update_count()
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self.reload()

    def reload(self) -> None:
        """Load the catalogue (again) off the GUI thread."""
        self._ctx.run_op(
            _load_catalogue, self.on_catalogue_loaded, self.on_catalogue_failed, parent=self
        )

    def on_records_changed(self, kind: str) -> None:
        """A sync brought a new catalogue from the central server: show it."""
        if kind == RecordKind.REFERENCE:
            self.reload()

    def _setup_table(self) -> None:
        table = self.table
        setup_record_table(table)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        char = table.fontMetrics().averageCharWidth()
        widths = {COL_CODE: 9, COL_GROUP: 22, COL_BODY: 24, COL_STARRED: 4, COL_ISIC: 10}
        for column, chars in widths.items():
            header.resizeSection(column, chars * char + 16)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(COL_CODE, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)

    def on_catalogue_loaded(self, catalogue: _Catalogue) -> None:
        """The catalogue arrived from the database."""
        group = self.group_combo.currentData()
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        self.group_combo.addItem(self.tr("همه گروه‌ها"), None)
        for code, name in catalogue.groups:
            self.group_combo.addItem(name, code)
        index = self.group_combo.findData(group)
        self.group_combo.setCurrentIndex(max(index, 0))
        self.group_combo.blockSignals(False)
        self.model.set_fields(catalogue.fields)
        self.note.setText(self._note_text(catalogue.version))

    def _note_text(self, version: int) -> str:
        text = self.tr(
            "فهرست رشته‌ها را سرور مرکزی به‌روز می‌کند و اینجا فقط‌خواندنی است؛ "
            "رشته‌های خاکستری بازنشسته‌اند: مجوز تازه نمی‌گیرند و مجوزهای پیشین معتبر می‌مانند."
        )
        if version:
            text += " " + self.tr("نسخهٔ فهرست: {version}").format(
                version=self._locale.toString(version)
            )
        return text

    def on_catalogue_failed(self, exc: BaseException) -> None:
        """Loading failed: tell the clerk."""
        show_error(self.window(), exc)

    def on_filter_edit_text_changed(self, text: str) -> None:
        """Filter as the clerk types (a few hundred rows: no delay needed)."""
        self.proxy.set_text(text)

    def on_group_combo_changed(self, _index: int) -> None:
        """Show one group's fields."""
        self.proxy.set_group(self.group_combo.currentData())

    def _update_count(self, *_args: object) -> None:
        shown = self.proxy.rowCount()
        total = self.model.rowCount()
        if shown == total:
            text = self.tr("{count} رشته").format(count=self._locale.toString(total))
        else:
            text = self.tr("{shown} از {total} رشته").format(
                shown=self._locale.toString(shown), total=self._locale.toString(total)
            )
        self.count_label.setText(text)
