"""A supporter's page, tab «بازار شبکه»: the sales channels of its network's current
members and the guaranteed-purchase contracts it buys under or its network sells under,
with «ثبت قرارداد برای شبکه» (a contract whose seller is this network)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.markets.queries import list_channels, list_contracts
from app.services.markets.records import ChannelFilter, ChannelRow, ContractFilter, ContractRow
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.markets.contract_dialog import ContractDialog
from app.views.markets.models import ChannelsModel, ContractsModel
from app.views.markets.screen import record_table
from app.views.sign_in import forbid
from common.text import format_tomans, group_thousands
from common.vocabulary import Permission, RecordKind

_REFRESH_ON = (RecordKind.MARKETS, RecordKind.LICENCES, RecordKind.SUPPORTERS)


def _tr(text: str) -> str:
    return QCoreApplication.translate("NetworkMarkets", text)


@dataclass(frozen=True)
class NetworkMarkets:
    channels: list[ChannelRow]
    contracts: list[ContractRow]


def load_network_markets(session: Session, supporter_id: str) -> NetworkMarkets:
    """A network's channels and contracts."""
    return NetworkMarkets(
        list_channels(session, ChannelFilter(supporter_id=supporter_id)),
        list_contracts(session, ContractFilter(supporter_id=supporter_id)),
    )


class NetworkMarketsTab(QWidget):
    """A network's channels and contracts, reloaded whenever markets change."""

    def __init__(self, ctx: AppContext, supporter_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.supporter_id = supporter_id
        self.dialog: ContractDialog | None = None
        self.summary_label = QLabel()
        self.new_contract_button = QPushButton(_tr("ثبت قرارداد برای شبکه"))
        self.new_contract_button.setAutoDefault(False)
        self.channels_model = ChannelsModel(self)
        self.contracts_model = ContractsModel(self)
        self.channels_table = record_table(self.channels_model)
        self.contracts_table = record_table(self.contracts_model)
        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.new_contract_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        for title, table in (
            (_tr("کانال‌های فروش اعضا"), self.channels_table),
            (_tr("قراردادهای خرید تضمینی"), self.contracts_table),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(table)
            layout.addWidget(box, 1)
        self.new_contract_button.clicked.connect(self.on_new_contract_button_clicked)
        forbid(self.new_contract_button, ctx.db.account, Permission.EDIT)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)

    def reload(self) -> None:
        supporter_id = self.supporter_id
        self.ctx.run_op(
            lambda s: load_network_markets(s, supporter_id),
            self.on_loaded,
            self.on_load_failed,
            parent=self,
        )

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_loaded(self, data: NetworkMarkets) -> None:
        self.channels_model.set_rows(data.channels)
        self.contracts_model.set_rows(data.contracts)
        active = sum(1 for c in data.channels if c.active)
        value = sum(k.value_rials for k in data.contracts)
        self.summary_label.setText(
            _tr("{c} کانال فعال، {k} قرارداد به ارزش {v}").format(
                c=group_thousands(active),
                k=group_thousands(len(data.contracts)),
                v=format_tomans(value),
            )
        )

    def on_records_changed(self, kind: str) -> None:
        if kind in _REFRESH_ON:
            self.reload()

    def on_new_contract_button_clicked(self) -> ContractDialog:
        dialog = ContractDialog(self.ctx, None, self, seller_supporter_id=self.supporter_id)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog
