"""A supporter's page: its details, its network members, coverage over time, a summary of
the network, and the actions (edit, suspend/reactivate, add member, member leaves).

Everything is loaded in workers; the members table is a
:class:`~app.views.supporter_models.MembersModel` (paged in SQL), so a network of
thousands paints at once. After each change the page reloads itself (the unit of work
tells the other screens).

Adding a member is :class:`~app.views.add_member_dialog.AddMemberDialog`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.supporters.queries import coverage_by_month, network_summary
from app.services.supporters.records import (
    CoveragePoint,
    MemberRow,
    NetworkSummary,
    SummaryLine,
    SupporterDetail,
)
from app.services.supporters.service import SupporterService
from app.views.add_member_dialog import AddMemberDialog
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.markets.network_tab import NetworkMarketsTab
from app.views.sign_in import forbid
from app.views.supporter_dialog import SupporterFormDialog
from app.views.supporter_models import CoverageChart, MembersModel, fa_number
from app.views.widgets.form import make_error_label
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.widgets.read_only_note import ReadOnlyNote
from app.views.widgets.reason_dialog import ReasonDialog
from app.views.widgets.table_model import Column, ColumnTableModel
from app.views.widgets.table_style import setup_record_table
from common import jalali
from common.errors import ValidationErrors
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import Permission, SupporterStatus

COVERAGE_MONTHS = 24
EMPTY = "—"


def _tr(text: str) -> str:
    return QCoreApplication.translate("SupporterPage", text)


@dataclass(frozen=True)
class PageData:
    """A supporter's details, coverage and summary, loaded together in a worker."""

    detail: SupporterDetail
    coverage: list[CoveragePoint]
    summary: NetworkSummary


def load_page(session: Session, supporter_id: str) -> PageData:
    """What the page shows besides the members."""
    return PageData(
        SupporterService(session).get(supporter_id),
        coverage_by_month(session, supporter_id, COVERAGE_MONTHS),
        network_summary(session, supporter_id),
    )


class _FirstPaint(QObject):
    """Calls back once, at the first paint of a viewport that shows rows."""

    def __init__(self, view: QTableView, callback: Callable[[], None]) -> None:
        super().__init__(view)
        self._view = view
        self._callback: Callable[[], None] | None = callback
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self._callback is not None
            and event.type() == QEvent.Type.Paint
            and self._view.model().rowCount() > 0
        ):
            callback, self._callback = self._callback, None
            self._view.viewport().removeEventFilter(self)
            callback()
        return False


class SupporterPage(QDialog):
    """One supporter and its network.

    ``sig_members_painted`` is emitted once, when the members table first paints with
    rows (the benchmark measures up to it).
    """

    sig_members_painted = Signal()

    def __init__(self, ctx: AppContext, supporter_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.supporter_id = supporter_id
        self.detail: SupporterDetail | None = None
        self.action_dialog: QDialog | None = None
        self.setWindowTitle(_tr("پشتیبان"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._build()
        self.reload()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.title_label = QLabel()
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title_label.setFont(font)
        self.status_label = QLabel()
        self.coverage_label = QLabel()
        self.coverage_label.setObjectName("coverageLabel")
        header = QHBoxLayout()
        header.addWidget(self.title_label)
        header.addSpacing(8)
        header.addWidget(self.status_label)
        header.addStretch(1)
        header.addWidget(self.coverage_label)

        self.values: dict[str, QLabel] = {}
        details = QGroupBox(_tr("مشخصات"))
        grid = QHBoxLayout(details)
        for rows in (
            [
                ("kind", _tr("نوع:")),
                ("licence", _tr("مجوز پشتیبان:")),
                ("holder", _tr("دارنده مجوز:")),
                ("legal", _tr("شناسه ملی / شماره ثبت:")),
            ],
            [
                ("field", _tr("رشته:")),
                ("related", _tr("رشته‌های مرتبط:")),
                ("county", _tr("شهرستان:")),
                ("capacity", _tr("ظرفیت:")),
            ],
            [
                ("phone", _tr("تلفن:")),
                ("email", _tr("ایمیل:")),
                ("address", _tr("نشانی:")),
                ("sheba", _tr("شبا:")),
            ],
        ):
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)
            for key, text in rows:
                label = QLabel(text)
                label.setStyleSheet("color: palette(placeholder-text);")
                value = QLabel()
                # Values made only of digits have no direction: keep them by their label.
                value.setAlignment(
                    QStyle.visualAlignment(
                        QGuiApplication.layoutDirection(), Qt.AlignmentFlag.AlignLeading
                    )
                    | Qt.AlignmentFlag.AlignVCenter
                )
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.values[key] = value
                form.addRow(label, value)
            grid.addLayout(form, 1)

        # The model is the view's child, so it outlives the view's selection signals when
        # the page is destroyed.
        self.members_table = QTableView()
        self.members_model = MembersModel(self.ctx, self.members_table)
        self.members_table.setModel(self.members_model)
        setup_record_table(self.members_table)
        self.members_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        head = self.members_table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(True)
        for column, chars in enumerate((20, 12, 11, 12, 11, 11)):
            head.resizeSection(column, self.fontMetrics().averageCharWidth() * chars + 16)
        self.members_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.members_count_label = QLabel()
        self.add_member_button = QPushButton(_tr("افزودن عضو"))
        self.remove_member_button = QPushButton(_tr("خروج عضو از شبکه"))
        self.remove_member_button.setEnabled(False)
        self.member_file_button = QPushButton(_tr("پرونده فرد"))
        self.member_file_button.setEnabled(False)
        self.member_file_button.clicked.connect(self.on_member_file_button_clicked)
        self.members_table.doubleClicked.connect(self.on_member_file_button_clicked)
        member_actions = QHBoxLayout()
        member_actions.addWidget(self.add_member_button)
        member_actions.addWidget(self.remove_member_button)
        member_actions.addWidget(self.member_file_button)
        member_actions.addStretch(1)
        member_actions.addWidget(self.members_count_label)
        members_tab = QWidget()
        members_layout = QVBoxLayout(members_tab)
        members_layout.addLayout(member_actions)
        members_layout.addWidget(self.members_table, 1)

        self.chart = CoverageChart()
        chart_tab = QWidget()
        chart_layout = QVBoxLayout(chart_tab)
        chart_layout.addWidget(self.chart)

        self.county_model = self._summary_model(_tr("شهرستان"))
        self.field_model = self._summary_model(_tr("رشته"))
        self.county_table = self._summary_table(self.county_model)
        self.field_table = self._summary_table(self.field_model)
        summary_tab = QWidget()
        summary_layout = QHBoxLayout(summary_tab)
        for title, table in (
            (_tr("به تفکیک شهرستان"), self.county_table),
            (_tr("به تفکیک رشته"), self.field_table),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(table)
            summary_layout.addWidget(box, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(members_tab, _tr("اعضای شبکه"))
        self.tabs.addTab(chart_tab, _tr("پوشش در طول زمان"))
        self.tabs.addTab(summary_tab, _tr("خلاصه شبکه"))
        self.markets_tab = NetworkMarketsTab(self.ctx, self.supporter_id)
        self.tabs.addTab(self.markets_tab, _tr("بازار شبکه"))

        self.edit_button = QPushButton(_tr("ویرایش"))
        self.suspend_button = QPushButton(_tr("تعلیق"))
        self.reactivate_button = QPushButton(_tr("رفع تعلیق"))
        self.close_button = QPushButton(_tr("بستن"))
        actions = QHBoxLayout()
        for button in (self.edit_button, self.suspend_button, self.reactivate_button):
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        self.read_only_note = ReadOnlyNote()
        layout.addWidget(self.read_only_note)
        self.status_reason_label = QLabel()
        self.status_reason_label.setWordWrap(True)
        self.status_reason_label.hide()
        layout.addWidget(self.status_reason_label)
        layout.addWidget(details)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(actions)
        self.resize(1100, 760)

        self.add_member_button.clicked.connect(self.on_add_member_button_clicked)
        self.remove_member_button.clicked.connect(self.on_remove_member_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        self.suspend_button.clicked.connect(self.on_suspend_button_clicked)
        self.reactivate_button.clicked.connect(self.on_reactivate_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.members_model.sig_loaded.connect(self.on_members_model_loaded)
        self.members_model.sig_load_failed.connect(self.on_load_failed)
        self.members_table.selectionModel().selectionChanged.connect(self.on_selection_changed)
        self._first_paint = _FirstPaint(self.members_table, self.sig_members_painted.emit)
        self._enable_actions()

    def _summary_model(self, title: str) -> ColumnTableModel[SummaryLine]:
        columns: tuple[Column[SummaryLine], ...] = (
            Column(title, lambda line: line.name),
            Column(_tr("فعال"), lambda line: line.active),
            Column(_tr("خارج‌شده"), lambda line: line.left),
        )
        return ColumnTableModel(columns, self)

    @staticmethod
    def _summary_table(model: ColumnTableModel[SummaryLine]) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return table

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the supporter, its coverage and summary, and its members (in workers)."""
        self.members_model.load(self.supporter_id)
        self.markets_tab.reload()
        supporter_id = self.supporter_id
        self.ctx.run_op(
            lambda session: load_page(session, supporter_id),
            self.on_page_loaded,
            self.on_load_failed,
            parent=self,
        )

    def on_load_failed(self, exc: BaseException) -> None:
        """Something could not be loaded."""
        show_error(self, exc)

    def on_members_model_loaded(self, total: int) -> None:
        """Show how many memberships there are."""
        self.members_count_label.setText(_tr("{n} عضویت").format(n=fa_number(total)))
        self.on_selection_changed()

    def on_page_loaded(self, page: PageData) -> None:
        """Show the supporter."""
        d = page.detail
        self.detail = d
        self.setWindowTitle(_tr("پشتیبان {name}").format(name=d.name))
        self.title_label.setText(d.name)
        color = "#2e7d32" if d.status == SupporterStatus.ACTIVE else "#b45309"
        self.status_label.setText(d.status_label)
        self.status_label.setStyleSheet(
            f"background: {color}; color: white; border-radius: 10px; padding: 2px 14px;"
            " font-weight: bold;"
        )
        if d.status == SupporterStatus.SUSPENDED and d.status_reason:
            self.status_reason_label.setText(
                _tr("دلیل تعلیق: {reason}").format(reason=to_persian_digits(d.status_reason))
            )
            self.status_reason_label.show()
        else:
            self.status_reason_label.hide()
        percent = d.active_members * 100 // d.capacity if d.capacity else 0
        self.coverage_label.setText(
            _tr("پوشش: {active} از {capacity} نفر ({percent}٪)").format(
                active=fa_number(d.active_members),
                capacity=fa_number(d.capacity),
                percent=fa_number(percent),
            )
        )
        self.coverage_label.setStyleSheet(
            "color: #b91c1c; font-weight: bold;" if d.over_capacity else ""
        )
        legal = (
            _tr("{legal_id} / {reg}").format(
                legal_id=isolate_ltr(to_persian_digits(d.legal_id)),
                reg=isolate_ltr(to_persian_digits(d.registration_no)),
            )
            if d.legal_id
            else EMPTY
        )
        holder_role = _tr("مدیرعامل") if d.kind == "legal" else _tr("خود پشتیبان")
        values = {
            "kind": d.kind_label,
            "licence": _tr("{number} ({status})").format(
                number=isolate_ltr(to_persian_digits(d.licence_number)),
                status=svc_licence_status(d.licence_status),
            ),
            "holder": _tr("{name}، کد ملی {nid} ({role})").format(
                name=d.holder_name,
                nid=isolate_ltr(to_persian_digits(d.holder_national_id)),
                role=holder_role,
            ),
            "legal": legal,
            "field": f"{d.field_name} ({isolate_ltr(to_persian_digits(d.field_code))})",
            "related": "، ".join(d.related_field_names) or EMPTY,
            "county": d.county_name,
            "capacity": _tr("{n} نفر").format(n=fa_number(d.capacity)),
            "phone": "، ".join(isolate_ltr(to_persian_digits(p)) for p in (d.mobile, d.phone) if p)
            or EMPTY,
            "email": isolate_ltr(d.email) if d.email else EMPTY,
            "address": to_persian_digits(d.address) or EMPTY,
            "sheba": isolate_ltr(d.sheba),
        }
        for key, text in values.items():
            self.values[key].setText(text)
        self.chart.set_data(page.coverage, d.capacity)
        self.county_model.set_rows(page.summary.by_county)
        self.field_model.set_rows(page.summary.by_field)
        self._enable_actions()

    def _enable_actions(self) -> None:
        d = self.detail
        outside = d.outside_scope if d is not None else ""
        self.read_only_note.show_reason(outside)
        owned = d is not None and not outside
        self.edit_button.setEnabled(owned)
        self.suspend_button.setEnabled(
            owned and d is not None and d.status == SupporterStatus.ACTIVE
        )
        self.reactivate_button.setEnabled(
            owned and d is not None and d.status == SupporterStatus.SUSPENDED
        )
        for button in (self.edit_button, self.suspend_button, self.reactivate_button):
            button.setToolTip(outside)
        self.add_member_button.setEnabled(d is not None and d.status == SupporterStatus.ACTIVE)
        self.on_selection_changed()
        for button in (
            self.edit_button,
            self.suspend_button,
            self.reactivate_button,
            self.add_member_button,
        ):
            forbid(button, self.ctx.db.account, Permission.SUPPORTERS)

    def selected_member(self) -> MemberRow | None:
        """The membership selected in the table."""
        rows = self.members_table.selectionModel().selectedRows()
        return self.members_model.member(rows[0].row()) if rows else None

    def on_selection_changed(self, *_args: object) -> None:
        """«خروج عضو» needs a current member selected."""
        member = self.selected_member()
        self.remove_member_button.setEnabled(member is not None and member.active)
        self.member_file_button.setEnabled(member is not None)
        forbid(self.remove_member_button, self.ctx.db.account, Permission.SUPPORTERS)

    def _changed(self) -> None:
        self.reload()

    def on_member_file_button_clicked(self, *_args: object) -> None:
        """«پرونده فرد» (or a double click): the selected member's whole file."""
        from app.views.person_page import open_person_page

        member = self.selected_member()
        if member is not None:
            open_person_page(self.ctx, "member", member.id, self)

    # -- actions ----------------------------------------------------------------------------

    def on_edit_button_clicked(self) -> None:
        """Open the supporter form in edit mode; reload when it saves."""
        form = SupporterFormDialog(self.ctx, self, supporter_id=self.supporter_id)
        form.accepted.connect(self.reload)
        form.finished.connect(form.deleteLater)
        self.action_dialog = form
        form.open()

    def on_add_member_button_clicked(self) -> AddMemberDialog:
        """Open the add-member form."""
        dialog = AddMemberDialog(self.ctx, self.supporter_id, self)
        dialog.accepted.connect(self._changed)
        dialog.finished.connect(dialog.deleteLater)
        self.action_dialog = dialog
        dialog.open()
        return dialog

    def _reason_action(
        self,
        title: str,
        prompt: str,
        *,
        required: bool,
        ok_text: str,
        job: Callable[[str], Callable[[SupporterService], object]],
        extra: QWidget | None = None,
    ) -> ReasonDialog:
        dialog = ReasonDialog(
            title,
            prompt,
            required=required,
            ok_text=ok_text,
            extra=extra,
            submit_accepts=False,
            parent=self,
        )

        def on_submitted(reason: str) -> None:
            dialog.set_busy(True)
            run = job(reason)

            def done(_result: object) -> None:
                dialog.set_busy(False)
                dialog.accept()
                self._changed()

            def failed(exc: BaseException) -> None:
                dialog.set_busy(False)
                if isinstance(exc, ValidationErrors):
                    unknown = dialog.errors.show(exc.by_field())
                    if unknown:
                        dialog.show_error("\n".join(exc.by_field()[n] for n in unknown))
                else:
                    show_error(dialog, exc)

            self.ctx.run_op(lambda s: run(SupporterService(s)), done, failed, parent=dialog)

        dialog.sig_reason_submitted.connect(on_submitted)
        dialog.finished.connect(dialog.deleteLater)
        self.action_dialog = dialog
        dialog.open()
        return dialog

    def on_remove_member_button_clicked(self) -> ReasonDialog | None:
        """The selected member leaves: a leaving date and a reason."""
        member = self.selected_member()
        if member is None or not member.active:
            return None
        date_edit = JalaliDateEdit()
        date_edit.setDate(jalali.today())
        extra = QWidget()
        form = QFormLayout(extra)
        form.setContentsMargins(0, 0, 0, 0)
        error = make_error_label()
        form.addRow(_tr("تاریخ خروج:"), _with(date_edit, error))
        member_id = member.id

        def job(reason: str) -> Callable[[SupporterService], object]:
            left = date_edit.date()
            return lambda service: service.remove_member(member_id, left, reason)

        dialog = self._reason_action(
            _tr("خروج عضو از شبکه"),
            _tr("دلیل خروج {name} را بنویسید:").format(name=member.name),
            required=True,
            ok_text=_tr("ثبت خروج"),
            job=job,
            extra=extra,
        )
        dialog.errors.add("left_on", date_edit, label=error, mark=date_edit.date_edit)
        self.leave_date_edit = date_edit
        return dialog

    def on_suspend_button_clicked(self) -> ReasonDialog:
        """Suspend the supporter (a reason is required)."""
        supporter_id = self.supporter_id
        return self._reason_action(
            _tr("تعلیق پشتیبان"),
            _tr("دلیل تعلیق این پشتیبان را بنویسید:"),
            required=True,
            ok_text=_tr("تعلیق"),
            job=lambda reason: lambda service: service.suspend(supporter_id, reason),
        )

    def on_reactivate_button_clicked(self) -> ReasonDialog:
        """Lift the suspension (a reason is optional)."""
        supporter_id = self.supporter_id
        return self._reason_action(
            _tr("رفع تعلیق پشتیبان"),
            _tr("توضیح رفع تعلیق (اختیاری):"),
            required=False,
            ok_text=_tr("رفع تعلیق"),
            job=lambda reason: lambda service: service.reactivate(supporter_id, reason),
        )


def _with(field: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field)
    layout.addWidget(error)
    return box


def svc_licence_status(status: str) -> str:
    """Persian label of a licence's effective status."""
    from app.services.licences.records import STATUS_LABELS

    return STATUS_LABELS.get(status, status)
