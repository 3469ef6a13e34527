"""The participants tab of the event page: register a licence holder (by national ID or
found in the register) or a person not yet licensed, the table of participants
(registered, then the waiting list in order, then cancelled), cancelling registrations (a
place goes to the first one waiting), and asking for the attendance certificates of the
participants selected."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.events.records import HolderMatch, ParticipantInfo, ParticipantInput
from app.services.events.service import EventService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.events.shared import ChangeRunner, format_number, tr
from app.views.widgets import messages
from app.views.widgets.form import DigitsLineEdit, FieldErrors, make_error_label, show_save_errors
from app.views.widgets.table_style import setup_record_table
from common.errors import DomainError
from common.text import to_persian_digits
from common.vocabulary import ParticipantStatus

PARTICIPANT_HEADERS = (
    "کد ملی",
    "نام",
    "نام خانوادگی",
    "تلفن همراه",
    "وضعیت",
    "نوبت انتظار",
    "روزهای حضور",
)


class ParticipantsTab(QWidget):
    """Registration and the participants of the event page (changes go through the
    page's :class:`~app.views.events.shared.ChangeRunner`)."""

    #: Print the attendance certificates of these participants (their ids).
    sig_print_requested = Signal(list)

    def __init__(
        self, ctx: AppContext, change: ChangeRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.change = change
        self.event_id: str | None = None
        self.participants: list[ParticipantInfo] = []
        holder_box = QGroupBox(tr("ثبت‌نام دارنده مجوز"))
        self.holder_nid_edit = DigitsLineEdit(max_length=14, placeholder=tr("کد ملی"))
        self.holder_button = QPushButton(tr("ثبت‌نام با کد ملی"))
        self.holder_error = make_error_label()
        self.holder_search_edit = QLineEdit()
        self.holder_search_edit.setPlaceholderText(tr("جستجوی نام یا کد ملی دارنده…"))
        self.holder_search_button = QPushButton(tr("جستجو"))
        self.holder_results = QComboBox()
        self.holder_results.setMinimumContentsLength(24)
        self.holder_pick_button = QPushButton(tr("ثبت‌نام فرد انتخاب‌شده"))
        holder_layout = QVBoxLayout(holder_box)
        line = QHBoxLayout()
        line.addWidget(self.holder_nid_edit)
        line.addWidget(self.holder_button)
        line.addStretch(1)
        holder_layout.addLayout(line)
        holder_layout.addWidget(self.holder_error)
        line = QHBoxLayout()
        line.addWidget(self.holder_search_edit, 1)
        line.addWidget(self.holder_search_button)
        line.addWidget(self.holder_results, 1)
        line.addWidget(self.holder_pick_button)
        holder_layout.addLayout(line)

        person_box = QGroupBox(tr("ثبت‌نام فرد بدون مجوز"))
        self.person_errors = FieldErrors(self)
        self.person_nid_edit = DigitsLineEdit(max_length=14)
        self.person_first_edit = QLineEdit()
        self.person_last_edit = QLineEdit()
        self.person_mobile_edit = DigitsLineEdit(max_length=16)
        self.person_button = QPushButton(tr("ثبت‌نام"))
        grid = QFormLayout()
        person_row = QHBoxLayout()
        for name, text, widget in (
            ("national_id", tr("کد ملی"), self.person_nid_edit),
            ("first_name", tr("نام"), self.person_first_edit),
            ("last_name", tr("نام خانوادگی"), self.person_last_edit),
            ("mobile", tr("تلفن همراه"), self.person_mobile_edit),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(text))
            column.addWidget(widget)
            column.addWidget(self.person_errors.add(name, widget))
            column.addStretch(1)
            person_row.addLayout(column)
        person_row.addWidget(self.person_button, 0, Qt.AlignmentFlag.AlignTop)
        grid.addRow(person_row)
        person_box.setLayout(grid)

        self.participant_table = QTableWidget(0, len(PARTICIPANT_HEADERS))
        self.participant_table.setObjectName("participantTable")
        self.participant_table.setHorizontalHeaderLabels([tr(h) for h in PARTICIPANT_HEADERS])
        setup_record_table(self.participant_table)
        self.participant_table.verticalHeader().hide()
        self.participant_table.horizontalHeader().setStretchLastSection(True)
        self.cancel_participant_button = QPushButton(tr("لغو ثبت‌نام"))
        self.print_selected_button = QPushButton(tr("چاپ گواهی حضور انتخاب‌شده‌ها"))
        self.participant_file_button = QPushButton(tr("پرونده فرد"))
        self.participant_file_button.setToolTip(
            tr("مجوزها، شبکه‌ها و رویدادهای دیگر شرکت‌کنندهٔ انتخاب‌شده")
        )
        actions = QHBoxLayout()
        actions.addWidget(self.cancel_participant_button)
        actions.addWidget(self.print_selected_button)
        actions.addWidget(self.participant_file_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(holder_box)
        layout.addWidget(person_box)
        layout.addWidget(self.participant_table, 1)
        layout.addLayout(actions)
        self.holder_button.clicked.connect(self.on_holder_button_clicked)
        self.holder_nid_edit.returnPressed.connect(self.on_holder_button_clicked)
        self.holder_search_button.clicked.connect(self.on_holder_search_button_clicked)
        self.holder_search_edit.returnPressed.connect(self.on_holder_search_button_clicked)
        self.holder_pick_button.clicked.connect(self.on_holder_pick_button_clicked)
        self.person_button.clicked.connect(self.on_person_button_clicked)
        self.cancel_participant_button.clicked.connect(self.on_cancel_participant_button_clicked)
        self.print_selected_button.clicked.connect(self.on_print_selected_button_clicked)
        self.participant_file_button.clicked.connect(self.on_participant_file_button_clicked)
        self.participant_table.cellDoubleClicked.connect(self.on_participant_file_button_clicked)

    def set_participants(self, event_id: str, participants: list[ParticipantInfo]) -> None:
        """Show the participants of the event loaded."""
        self.event_id = event_id
        self.participants = participants
        table = self.participant_table
        table.setRowCount(len(self.participants))
        for row, person in enumerate(self.participants):
            values = (
                to_persian_digits(person.national_id),
                person.first_name,
                person.last_name,
                to_persian_digits(person.mobile),
                person.status_label,
                format_number(person.waiting_position) if person.waiting_position else "",
                format_number(len(person.present_days)),
            )
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, person.id)
                if person.status != ParticipantStatus.REGISTERED:
                    cell.setForeground(QColor("#8a6d00" if person.waiting_position else "#777777"))
                table.setItem(row, column, cell)

    def set_editable(self, editable: bool) -> None:
        """Registration is open (not for a cancelled event)."""
        for widget in (self.holder_button, self.holder_pick_button, self.person_button):
            widget.setEnabled(editable)

    def register_holder(self, national_id: str) -> None:
        """Register the licence holder with this national ID."""
        self.holder_error.hide()
        event_id = self.event_id

        def failed(exc: BaseException) -> None:
            self._inline_error(self.holder_error, exc)

        def done(_result: object) -> None:
            self.holder_nid_edit.clear()

        assert event_id is not None
        self.change(lambda service: service.register_holder(event_id, national_id), done, failed)

    def on_holder_button_clicked(self) -> None:
        """«ثبت‌نام با کد ملی»."""
        self.register_holder(self.holder_nid_edit.text())

    def on_holder_search_button_clicked(self) -> None:
        """Search the register's holders."""
        text = self.holder_search_edit.text()

        def op(session: Session) -> list[HolderMatch]:
            return EventService(session).search_holders(text)

        def found(matches: list[HolderMatch]) -> None:
            self.holder_results.clear()
            for match in matches:
                self.holder_results.addItem(
                    f"{match.full_name} ({to_persian_digits(match.national_id)})", match.national_id
                )
            if not matches:
                self.holder_error.setText(tr("دارنده‌ای با این مشخصات پیدا نشد."))
                self.holder_error.show()
            else:
                self.holder_error.hide()

        self.ctx.run_op(op, found, self._failed, parent=self)

    def on_holder_pick_button_clicked(self) -> None:
        """Register the holder chosen from the search results."""
        national_id = self.holder_results.currentData()
        if national_id:
            self.register_holder(str(national_id))

    def register_person(self) -> None:
        """Register the person typed in «ثبت‌نام فرد بدون مجوز»."""
        data = ParticipantInput(
            self.person_nid_edit.text(),
            self.person_first_edit.text(),
            self.person_last_edit.text(),
            self.person_mobile_edit.text(),
        )
        event_id = self.event_id
        assert event_id is not None
        self.person_errors.clear()

        def failed(exc: BaseException) -> None:
            show_save_errors(self.window(), self.person_errors, self.holder_error, exc)

        def done(_result: object) -> None:
            for edit in (
                self.person_nid_edit,
                self.person_first_edit,
                self.person_last_edit,
                self.person_mobile_edit,
            ):
                edit.clear()

        self.change(lambda service: service.register(event_id, data), done, failed)

    def on_person_button_clicked(self) -> None:
        """«ثبت‌نام» of a person not yet licensed."""
        self.register_person()

    def selected_participant_ids(self) -> list[str]:
        """Participants selected in the table, in table order."""
        rows = sorted({index.row() for index in self.participant_table.selectedIndexes()})
        return [self.participants[row].id for row in rows if row < len(self.participants)]

    def on_participant_file_button_clicked(self, *_args: object) -> None:
        """«پرونده فرد» (or a double click): the selected participant's whole file."""
        from app.views.person_page import open_person_page

        ids = self.selected_participant_ids()
        if ids:
            open_person_page(self.ctx, "participant", ids[0], self.window())

    def on_cancel_participant_button_clicked(self) -> None:
        """Cancel the selected registrations (after a confirmation)."""
        ids = self.selected_participant_ids()
        if not ids:
            return
        if not messages.confirm(
            self.window(),
            tr("لغو ثبت‌نام"),
            tr("ثبت‌نام {count} نفر لغو شود؟ جای آنان به نفرات فهرست انتظار می‌رسد.").format(
                count=format_number(len(ids))
            ),
            danger=True,
        ):
            return

        def action(service: EventService) -> None:
            for participant_id in ids:
                service.cancel_participant(participant_id)

        self.change(action)

    def _inline_error(self, label: QLabel, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            errors = getattr(exc, "errors", None)
            label.setText("\n".join(e.message for e in errors) if errors else exc.message)
            label.show()
        else:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        show_error(self.window(), exc)

    def on_print_selected_button_clicked(self) -> None:
        """Attendance certificates for the selected participants."""
        ids = self.selected_participant_ids()
        if not ids:
            messages.inform(
                self.window(), tr("چاپ گواهی حضور"), tr("ابتدا یک یا چند شرکت‌کننده را انتخاب کنید.")
            )
            return
        self.sig_print_requested.emit(ids)
