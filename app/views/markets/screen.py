"""The «بازار» tab: a holder's sales channels (filtered by platform, active only), the
guaranteed-purchase contracts (filtered by buyer and fulfilment), with the dialogs to add
and edit them, and the seasonal bazaars' sellers (app.views.markets.bazaar_panel). The
lists are loaded whole in a worker (hundreds to a few thousand rows) on every filter change
and whenever markets, licences or supporters change."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.markets import platforms
from app.services.markets.queries import list_channels, list_contracts
from app.services.markets.records import (
    BUYER_LABELS,
    FULFILMENT_LABELS,
    ChannelFilter,
    ChannelRow,
    ContractFilter,
    ContractRow,
)
from app.services.markets.service import MarketService
from app.services.sheet_kinds import CHANNELS, CONTRACTS
from app.services.spreadsheet.kind import SheetKind
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.markets.bazaar_panel import BazaarPanel
from app.views.markets.channel_dialog import ChannelDialog, PlatformsDialog
from app.views.markets.contract_dialog import ContractDialog
from app.views.markets.models import ChannelsModel, ContractsModel
from app.views.sign_in import forbid
from app.views.widgets import messages
from app.views.widgets.table_style import setup_record_table
from common.text import group_thousands
from common.vocabulary import BuyerKind, Permission, RecordKind

SEARCH_DEBOUNCE_MS = 200
_REFRESH_ON = (RecordKind.MARKETS, RecordKind.LICENCES, RecordKind.SUPPORTERS)


def record_table(model: ChannelsModel | ContractsModel) -> QTableView:
    """A read-only record table over ``model``, its columns sized to the window."""
    table = QTableView()
    table.setModel(model)
    setup_record_table(table)
    head = table.horizontalHeader()
    head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    head.setStretchLastSection(True)
    return table


class SheetButtons:
    """A panel's «ورود از اکسل…» and «خروجی اکسل…» for its spreadsheet kind."""

    def __init__(self, ctx: AppContext, parent: QWidget, kind: SheetKind) -> None:
        self.ctx = ctx
        self.parent = parent
        self.kind = kind
        self.dialog: QWidget | None = None
        self.import_button = QPushButton(parent.tr("ورود از اکسل…"))
        self.export_button = QPushButton(parent.tr("خروجی اکسل…"))
        self.import_button.clicked.connect(self.on_import_button_clicked)
        self.export_button.clicked.connect(self.on_export_button_clicked)
        forbid(self.import_button, ctx.db.account, Permission.IMPORT)
        forbid(self.export_button, ctx.db.account, Permission.EXPORT)

    def add_to(self, layout: QHBoxLayout) -> None:
        layout.addWidget(self.import_button)
        layout.addWidget(self.export_button)

    def on_import_button_clicked(self) -> QWidget:
        from app.views.import_dialog import ImportDialog

        dialog = ImportDialog(self.ctx, self.parent, self.kind)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def on_export_button_clicked(self) -> None:
        from app.views.sheet_export import export_kind

        export_kind(self.ctx, self.parent, self.kind)


class ChannelsPanel(QWidget):
    """Sales channels: filter by platform (and active only); add, edit, deactivate."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: QWidget | None = None
        self.platform_combo = QComboBox()
        self.platform_combo.addItem(self.tr("همه سکوها"), "")
        self.active_check = QCheckBox(self.tr("فقط فعال"))
        self.count_label = QLabel()
        self.new_button = QPushButton(self.tr("ثبت کانال فروش"))
        self.edit_button = QPushButton(self.tr("ویرایش"))
        self.delete_button = QPushButton(self.tr("حذف"))
        self.delete_button.setToolTip(self.tr("حذف کانالی که به اشتباه ثبت شده است"))
        self.platforms_button = QPushButton(self.tr("فهرست سکوها…"))
        self.model = ChannelsModel(self)
        self.table = record_table(self.model)
        chars = self.fontMetrics().averageCharWidth()
        for column, width in enumerate((22, 12, 14, 30, 12, 8)):
            self.table.horizontalHeader().resizeSection(column, chars * width + 16)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("سکو:")))
        top.addWidget(self.platform_combo)
        top.addWidget(self.active_check)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.delete_button)
        top.addWidget(self.platforms_button)
        self.sheets = SheetButtons(ctx, self, CHANNELS)
        self.sheets.add_to(top)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.platform_combo.currentIndexChanged.connect(self.refresh)
        self.active_check.toggled.connect(self.refresh)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        self.delete_button.clicked.connect(self.on_delete_button_clicked)
        self.platforms_button.clicked.connect(self.on_platforms_button_clicked)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self.on_selection_changed)
        forbid(self.new_button, ctx.db.account, Permission.EDIT)
        forbid(self.platforms_button, ctx.db.account, Permission.OFFICE_SETTINGS)
        self.load_platforms()
        self.refresh()

    def load_platforms(self) -> None:
        self.ctx.run_op(
            platforms.list_platforms, self.on_platforms_loaded, lambda _e: None, parent=self
        )

    def on_platforms_loaded(self, names: list[str]) -> None:
        """Fill the platform filter (keeping the one chosen)."""
        chosen = self.platform_combo.currentData()
        self.platform_combo.blockSignals(True)
        while self.platform_combo.count() > 1:
            self.platform_combo.removeItem(1)
        for name in names:
            self.platform_combo.addItem(name, name)
        index = self.platform_combo.findData(chosen)
        self.platform_combo.setCurrentIndex(max(index, 0))
        self.platform_combo.blockSignals(False)

    def current_filter(self) -> ChannelFilter:
        return ChannelFilter(
            platform=str(self.platform_combo.currentData() or ""),
            active_only=self.active_check.isChecked(),
        )

    def refresh(self, *_args: object) -> None:
        flt = self.current_filter()
        self.ctx.run_op(
            lambda s: list_channels(s, flt),
            self.on_rows_loaded,
            self.on_load_failed,
            parent=self,
        )

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_rows_loaded(self, rows: list[ChannelRow]) -> None:
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("{n} کانال").format(n=group_thousands(len(rows))))
        self.on_selection_changed()

    def selected(self) -> ChannelRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_data(rows[0].row()) if rows else None

    def on_selection_changed(self, *_args: object) -> None:
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(self.selected() is not None)
            forbid(button, self.ctx.db.account, Permission.EDIT)

    def on_delete_button_clicked(self) -> None:
        """Remove the selected channel (recorded by mistake), once the clerk confirms."""
        row = self.selected()
        if row is None or not messages.confirm(
            self,
            self.tr("حذف کانال فروش"),
            self.tr("کانال «{p}» {h} حذف شود؟").format(p=row.platform, h=row.holder),
        ):
            return
        channel_id = row.id
        self.ctx.run_op(
            lambda s: MarketService(s).delete_channel(channel_id),
            lambda _r: None,
            self.on_load_failed,
            parent=self,
        )

    def on_new_button_clicked(self) -> ChannelDialog:
        return self._open(ChannelDialog(self.ctx, None, self))

    def on_edit_button_clicked(self) -> ChannelDialog | None:
        row = self.selected()
        return self._open(ChannelDialog(self.ctx, row, self)) if row is not None else None

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_data(index.row())
        if row is not None and self.edit_button.isEnabled():
            self._open(ChannelDialog(self.ctx, row, self))

    def on_platforms_button_clicked(self) -> PlatformsDialog:
        dialog = PlatformsDialog(self.ctx, self)
        dialog.accepted.connect(self.load_platforms)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _open(self, dialog: ChannelDialog) -> ChannelDialog:
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog


class ContractsPanel(QWidget):
    """Guaranteed-purchase contracts: filter by buyer (kind and name) and fulfilment."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: ContractDialog | None = None
        self.buyer_kind_combo = QComboBox()
        self.buyer_kind_combo.addItem(self.tr("همه خریداران"), "")
        for kind in tuple(BuyerKind):
            self.buyer_kind_combo.addItem(BUYER_LABELS[kind], kind)
        self.buyer_edit = QLineEdit()
        self.buyer_edit.setPlaceholderText(self.tr("نام خریدار"))
        self.buyer_edit.setClearButtonEnabled(True)
        self.fulfilment_combo = QComboBox()
        self.fulfilment_combo.addItem(self.tr("همه"), "")
        for code, label in FULFILMENT_LABELS.items():
            self.fulfilment_combo.addItem(label, code)
        self.count_label = QLabel()
        self.new_button = QPushButton(self.tr("ثبت قرارداد"))
        self.edit_button = QPushButton(self.tr("ویرایش و تحویل‌ها"))
        self.delete_button = QPushButton(self.tr("حذف"))
        self.delete_button.setToolTip(self.tr("حذف قراردادی که به اشتباه ثبت شده است"))
        self.model = ContractsModel(self)
        self.table = record_table(self.model)
        chars = self.fontMetrics().averageCharWidth()
        for column, width in enumerate((22, 12, 18, 16, 12, 16, 10, 10)):
            self.table.horizontalHeader().resizeSection(column, chars * width + 16)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("خریدار:")))
        top.addWidget(self.buyer_kind_combo)
        top.addWidget(self.buyer_edit)
        top.addWidget(QLabel(self.tr("تحقق:")))
        top.addWidget(self.fulfilment_combo)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.delete_button)
        self.sheets = SheetButtons(ctx, self, CONTRACTS)
        self.sheets.add_to(top)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self.buyer_edit.textChanged.connect(lambda _t: self._timer.start())
        self.buyer_kind_combo.currentIndexChanged.connect(self.refresh)
        self.fulfilment_combo.currentIndexChanged.connect(self.refresh)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        self.delete_button.clicked.connect(self.on_delete_button_clicked)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self.on_selection_changed)
        forbid(self.new_button, ctx.db.account, Permission.EDIT)
        self.refresh()

    def current_filter(self) -> ContractFilter:
        return ContractFilter(
            buyer_kind=str(self.buyer_kind_combo.currentData() or ""),
            buyer=self.buyer_edit.text(),
            fulfilment=str(self.fulfilment_combo.currentData() or ""),
        )

    def refresh(self, *_args: object) -> None:
        self._timer.stop()
        flt = self.current_filter()

        def op(session: Session) -> list[ContractRow]:
            return list_contracts(session, flt)

        self.ctx.run_op(op, self.on_rows_loaded, self.on_load_failed, parent=self)

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_rows_loaded(self, rows: list[ContractRow]) -> None:
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("{n} قرارداد").format(n=group_thousands(len(rows))))
        self.on_selection_changed()

    def selected(self) -> ContractRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_data(rows[0].row()) if rows else None

    def on_selection_changed(self, *_args: object) -> None:
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(self.selected() is not None)
            forbid(button, self.ctx.db.account, Permission.EDIT)

    def on_delete_button_clicked(self) -> None:
        """Remove the selected contract (recorded by mistake), once the clerk confirms."""
        row = self.selected()
        if row is None or not messages.confirm(
            self,
            self.tr("حذف قرارداد"),
            self.tr("قرارداد «{p}» با «{b}» و تحویل‌هایش حذف شود؟").format(
                p=row.product, b=row.buyer
            ),
        ):
            return
        contract_id = row.id
        self.ctx.run_op(
            lambda s: MarketService(s).delete_contract(contract_id),
            lambda _r: None,
            self.on_load_failed,
            parent=self,
        )

    def on_new_button_clicked(self) -> ContractDialog:
        return self._open(ContractDialog(self.ctx, None, self))

    def on_edit_button_clicked(self) -> ContractDialog | None:
        row = self.selected()
        return self._open(ContractDialog(self.ctx, row, self)) if row is not None else None

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_data(index.row())
        if row is not None and self.edit_button.isEnabled():
            self._open(ContractDialog(self.ctx, row, self))

    def _open(self, dialog: ContractDialog) -> ContractDialog:
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog


class MarketsScreen(QWidget):
    """The «بازار» tab: channels and contracts, each a panel of its own."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.channels = ChannelsPanel(ctx)
        self.contracts = ContractsPanel(ctx)
        self.bazaars = BazaarPanel(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.channels, self.tr("کانال‌های فروش"))
        self.tabs.addTab(self.contracts, self.tr("قراردادهای خرید تضمینی"))
        self.tabs.addTab(self.bazaars, self.tr("بازارچه‌های فصلی"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)

    def on_records_changed(self, kind: str) -> None:
        """Markets, holders or supporters changed somewhere: reload both lists."""
        if kind in _REFRESH_ON:
            self.channels.refresh()
            self.contracts.refresh()
        if kind == RecordKind.OFFICE:
            self.channels.load_platforms()
        self.bazaars.on_records_changed(kind)
