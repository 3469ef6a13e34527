"""The event page: :class:`EventDialog`, the details form (errors under the fields,
off-day warnings after saving), the participants (app.views.events.participants), the
attendance grid (app.views.events.attendance), the figures, and printing attendance
certificates (one or all, in a worker with progress, then the preview of
app.views.certificate_preview)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.certificates.records import IssuedCertificate
from app.services.certificates.service import CertificateService
from app.services.core import reference
from app.services.core.progress import Cancelled, Progress
from app.services.core.reference import CountyInfo
from app.services.core.scope import scope_counties
from app.services.events.calendar import office_county_id
from app.services.events.queries import list_organisers
from app.services.events.records import (
    KIND_LABELS,
    Choice,
    EventDetail,
    EventInput,
    ParticipantInfo,
)
from app.services.events.service import EventService
from app.views import certificate_preview
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.events.attendance import AttendanceTab
from app.views.events.participants import ParticipantsTab
from app.views.events.shared import format_number, format_rate, tr
from app.views.sign_in import forbid
from app.views.widgets import messages
from app.views.widgets.county_combo import CountyCombo
from app.views.widgets.form import (
    INVALID_STYLE,
    DigitsLineEdit,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_error_label,
    make_form_layout,
    show_save_errors,
)
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import EventKind, Permission

WARNING_COLOR = "#a15c00"


@dataclass(frozen=True)
class _Loaded:
    detail: EventDetail
    participants: list[ParticipantInfo]


@dataclass(frozen=True)
class _FormChoices:
    #: The counties of the office's scope (an event is held in one of them).
    counties: list[CountyInfo]
    fields: list[tuple[str, str]]
    organisers: list[Choice]
    office_county_id: str


class EventDialog(QDialog):
    """An event's page: details, participants, attendance, figures and certificates."""

    sig_event_saved = Signal(str)

    def __init__(
        self, ctx: AppContext, event_id: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.event_id = event_id
        self.detail: EventDetail | None = None
        self.participants: list[ParticipantInfo] = []
        self.print_job: _AttendancePrint | None = None
        self.setWindowTitle(tr("رویداد تازه") if event_id is None else tr("رویداد"))
        self.setStyleSheet(INVALID_STYLE)
        self.resize(900, 680)

        self.figures_label = QLabel()
        self.figures_label.setObjectName("eventFigures")
        self.figures_label.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._details_tab(), tr("مشخصات"))
        self.participants_tab = ParticipantsTab(ctx, self.change)
        self.tabs.addTab(self.participants_tab, tr("شرکت‌کنندگان"))
        self.attendance_tab = AttendanceTab(self.change)
        self.tabs.addTab(self.attendance_tab, tr("حضور و غیاب"))
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(tr("ذخیره"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_event_button = buttons.addButton(
            tr("لغو رویداد"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.print_all_button = buttons.addButton(
            tr("چاپ گواهی حضور همه"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = buttons.addButton(tr("بستن"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        self.cancel_event_button.clicked.connect(self.on_cancel_event_button_clicked)
        self.print_all_button.clicked.connect(self.on_print_all_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.participants_tab.sig_print_requested.connect(self.print_certificates)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._update_enabled()
        self._load_choices()

    # -- building -------------------------------------------------------------------------

    def _details_tab(self) -> QWidget:
        self.errors = FieldErrors(self)
        self.kind_combo = QComboBox()
        for kind in tuple(EventKind):
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(200)
        self.field_filter_edit = QLineEdit()
        self.field_filter_edit.setPlaceholderText(tr("جستجوی رشته…"))
        self.field_list = QListWidget()
        self.field_list.setMaximumHeight(110)
        fields_box = QWidget()
        fields_layout = QVBoxLayout(fields_box)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addWidget(self.field_filter_edit)
        fields_layout.addWidget(self.field_list)
        self.organiser_combo = QComboBox()
        self.venue_edit = QLineEdit()
        self.county_combo = CountyCombo(placeholder=tr("نام شهرستان…"))
        self.start_edit = JalaliDateEdit()
        self.end_edit = JalaliDateEdit()
        self.start_time_edit = LatinLineEdit(max_length=5)
        self.start_time_edit.setPlaceholderText("09:00")
        self.end_time_edit = LatinLineEdit(max_length=5)
        self.end_time_edit.setPlaceholderText("12:00")
        self.capacity_edit = DigitsLineEdit(max_length=6)
        self.instructor_edit = QLineEdit()
        self.description_edit = QPlainTextEdit()
        self.description_edit.setMaximumHeight(70)
        self.code_label = QLabel("—")
        self.status_label = QLabel("")
        self.warning_label = QLabel()
        self.warning_label.setObjectName("eventWarnings")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(f"color: {WARNING_COLOR};")
        self.warning_label.hide()
        self.general_error = make_error_label()
        form = make_form_layout()
        form.addRow(tr("کد رویداد:"), self.code_label)
        form.addRow(tr("وضعیت:"), self.status_label)
        rows: Sequence[tuple[str, str, QWidget]] = (
            ("kind", tr("نوع رویداد:"), self.kind_combo),
            ("title", tr("عنوان:"), self.title_edit),
            ("field_ids", tr("رشته‌ها:"), fields_box),
            ("organiser_supporter_id", tr("برگزارکننده:"), self.organiser_combo),
            ("venue", tr("محل برگزاری:"), self.venue_edit),
            ("county_id", tr("شهرستان:"), self.county_combo),
            ("start_date", tr("تاریخ شروع:"), self.start_edit),
            ("end_date", tr("تاریخ پایان:"), self.end_edit),
            ("start_time", tr("ساعت شروع:"), self.start_time_edit),
            ("end_time", tr("ساعت پایان:"), self.end_time_edit),
            ("capacity", tr("ظرفیت (نفر):"), self.capacity_edit),
            ("instructor", tr("مدرس:"), self.instructor_edit),
            ("description", tr("توضیحات:"), self.description_edit),
        )
        for name, text, widget in rows:
            mark: QWidget | None = widget.date_edit if isinstance(widget, JalaliDateEdit) else None
            if name == "field_ids":
                mark = self.field_list
            add_field_row(form, text, widget, self.errors.add(name, widget, mark=mark))
        page = QWidget()
        columns = QVBoxLayout(page)
        columns.addLayout(form)
        columns.addWidget(self.warning_label)
        columns.addWidget(self.general_error)
        columns.addStretch(1)
        self.field_filter_edit.textChanged.connect(self.on_field_filter_edit_text_changed)
        return page

    # -- loading ---------------------------------------------------------------------------

    def _load_choices(self) -> None:
        def op(session: Session) -> _FormChoices:
            return _FormChoices(
                counties=scope_counties(session),
                fields=[
                    (f.id, f"{f.name} ({to_persian_digits(f.code)})")
                    for f in reference.list_fields(session, only_active=True)
                ],
                organisers=list_organisers(session),
                office_county_id=office_county_id(session),
            )

        self.ctx.run_op(op, self._set_choices, self._failed, parent=self)

    def _set_choices(self, choices: _FormChoices) -> None:
        self.county_combo.set_counties(choices.counties, choices.office_county_id)
        self.field_list.clear()
        for field_id, text in choices.fields:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, field_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.field_list.addItem(item)
        self.organiser_combo.addItem(tr("همین اداره"), "")
        for choice in choices.organisers:
            self.organiser_combo.addItem(choice.text, choice.id)
        if self.event_id is not None:
            self.reload()

    def reload(self) -> None:
        """Load the event and its participants again."""
        event_id = self.event_id
        if event_id is None:
            return

        def op(session: Session) -> _Loaded:
            service = EventService(session)
            return _Loaded(service.get(event_id), service.participants(event_id))

        self.ctx.run_op(op, self._set_loaded, self._failed, parent=self)

    def _set_loaded(self, loaded: _Loaded, *, fill_form: bool = True) -> None:
        self.detail = loaded.detail
        self.participants = loaded.participants
        if fill_form:
            self._fill_form(loaded.detail)
        self.participants_tab.set_participants(loaded.detail.id, loaded.participants)
        self.attendance_tab.set_event(loaded.detail, loaded.participants)
        self._show_figures()
        self._update_enabled()

    def _fill_form(self, detail: EventDetail) -> None:
        self.setWindowTitle(
            tr("رویداد {code}: {title}").format(code=isolate_ltr(detail.code), title=detail.title)
        )
        self.code_label.setText(isolate_ltr(detail.code))
        self.status_label.setText(detail.status_label)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(detail.kind)))
        self.title_edit.setText(detail.title)
        chosen = set(detail.field_ids)
        for row in range(self.field_list.count()):
            item = self.field_list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.organiser_combo.setCurrentIndex(
            max(0, self.organiser_combo.findData(detail.organiser_supporter_id))
        )
        self.venue_edit.setText(detail.venue)
        self.county_combo.show_county(detail.county_id, detail.county_name)
        self.start_edit.setDate(detail.start_date)
        self.end_edit.setDate(detail.end_date)
        self.start_time_edit.setText(detail.start_time)
        self.end_time_edit.setText(detail.end_time)
        self.capacity_edit.setText(str(detail.capacity))
        self.instructor_edit.setText(detail.instructor)
        self.description_edit.setPlainText(detail.description)
        self.show_warnings(detail.warnings)

    def _show_figures(self) -> None:
        detail = self.detail
        if detail is None:
            self.figures_label.setText(tr("رویداد تازه: مشخصات را بنویسید و ذخیره کنید."))
            return
        figures = detail.figures
        self.figures_label.setText(
            tr(
                "ظرفیت {capacity} نفر · ثبت‌نام‌شده {registered} · در انتظار {waiting} · "
                "انصراف {cancelled} · {days} روز · نرخ حضور {rate} · حاضران (گواهی) {attendees} · "
                "مجوز گرفته پس از رویداد {licensed}"
            ).format(
                capacity=format_number(detail.capacity),
                registered=format_number(figures.registered),
                waiting=format_number(figures.waiting),
                cancelled=format_number(figures.cancelled),
                days=format_number(figures.days),
                rate=format_rate(figures.attendance_rate),
                attendees=format_number(figures.attendees),
                licensed=format_number(figures.later_licensed),
            )
        )

    def _update_enabled(self) -> None:
        exists = self.detail is not None
        editable = exists and self.detail is not None and not self.detail.cancelled
        self.tabs.setTabEnabled(1, exists)
        self.tabs.setTabEnabled(2, exists)
        self.cancel_event_button.setEnabled(bool(editable))
        self.save_button.setEnabled(self.detail is None or bool(editable))
        self.print_all_button.setEnabled(
            exists and self.detail is not None and self.detail.figures.attendees > 0
        )
        self.participants_tab.set_editable(bool(editable))
        account = self.ctx.db.account
        for button in (self.cancel_event_button, self.save_button):
            forbid(button, account, Permission.EVENTS)
        forbid(self.print_all_button, account, Permission.PRINT)
        for widget in (
            self.participants_tab.holder_button,
            self.participants_tab.holder_pick_button,
            self.participants_tab.person_button,
        ):
            forbid(widget, account, Permission.EVENTS)

    # -- details -------------------------------------------------------------------------

    def form_input(self) -> EventInput:
        """What the form holds, as the service's input."""
        field_ids = []
        for row in range(self.field_list.count()):
            item = self.field_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                field_ids.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return EventInput(
            kind=str(self.kind_combo.currentData()),
            title=self.title_edit.text(),
            field_ids=tuple(field_ids),
            organiser_supporter_id=str(self.organiser_combo.currentData() or ""),
            venue=self.venue_edit.text(),
            county_id=str(self.county_combo.value() or ""),
            start_date=self.start_edit.date(),
            end_date=self.end_edit.date(),
            start_time=self.start_time_edit.text(),
            end_time=self.end_time_edit.text(),
            capacity=self.capacity_edit.text(),
            instructor=self.instructor_edit.text(),
            description=self.description_edit.toPlainText(),
        )

    def save(self) -> None:
        """Create or update the event; errors go under their fields."""
        data = self.form_input()
        event_id = self.event_id
        expected = self.detail.rev if self.detail is not None else None
        self.errors.clear()
        self.general_error.hide()

        def op(session: Session) -> _Loaded:
            service = EventService(session)
            if event_id is None:
                detail = service.create(data)
            else:
                detail = service.update(event_id, data, expected_rev=expected)
            return _Loaded(detail, service.participants(detail.id))

        def saved(loaded: _Loaded) -> None:
            self.event_id = loaded.detail.id
            self._set_loaded(loaded)
            self.sig_event_saved.emit(loaded.detail.id)

        def failed(exc: BaseException) -> None:
            show_save_errors(self, self.errors, self.general_error, exc)

        self.ctx.run_op(op, saved, failed, parent=self)

    def show_warnings(self, warnings: Sequence[str]) -> None:
        """Show the off-day warnings under the form (or hide them)."""
        self.warning_label.setText("\n".join(warnings))
        self.warning_label.setVisible(bool(warnings))

    def on_field_filter_edit_text_changed(self, text: str) -> None:
        """Show only the fields matching the filter."""
        from common.text import search_key

        key = search_key(text)
        for row in range(self.field_list.count()):
            item = self.field_list.item(row)
            item.setHidden(bool(key) and key not in search_key(item.text()))

    def on_cancel_event_button_clicked(self) -> None:
        """«لغو رویداد» after a confirmation."""
        if self.event_id is None or self.detail is None:
            return
        if not messages.confirm(
            self,
            tr("لغو رویداد"),
            tr("رویداد «{title}» لغو شود؟ ثبت‌نام و حضور آن دیگر تغییر نمی‌کند.").format(
                title=self.detail.title
            ),
            yes_text=tr("لغو رویداد"),
            no_text=tr("انصراف"),
            danger=True,
        ):
            return
        event_id = self.event_id
        self.change(lambda service: service.cancel(event_id))

    # -- changes --------------------------------------------------------------------------

    def change(
        self,
        action: Callable[[EventService], object],
        on_done: Callable[[object], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``action`` then reload the page and tell the other screens."""
        event_id = self.event_id
        assert event_id is not None

        def op(session: Session) -> tuple[object, _Loaded]:
            service = EventService(session)
            result = action(service)
            return result, _Loaded(service.get(event_id), service.participants(event_id))

        def done(value: tuple[object, _Loaded]) -> None:
            result, loaded = value
            self._set_loaded(loaded, fill_form=False)
            self.status_label.setText(loaded.detail.status_label)
            if on_done is not None:
                on_done(result)

        self.ctx.run_op(op, done, on_failed or self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    # -- certificates ----------------------------------------------------------------------

    def on_print_all_button_clicked(self) -> None:
        """Attendance certificates for every attendee."""
        self.print_certificates(None)

    def print_certificates(self, participant_ids: list[str] | None) -> _AttendancePrint:
        """Issue attendance certificates (all attendees with None) in a worker, then
        open the preview."""
        assert self.event_id is not None
        job = _AttendancePrint(self.event_id, participant_ids)
        self.print_job = job
        title = tr("گواهی حضور: {title}").format(title=self.detail.title if self.detail else "")
        event_id = self.event_id

        def op(session: Session, progress: Progress) -> tuple[bytes, list[IssuedCertificate]]:
            service = CertificateService(session)
            if participant_ids is None:
                return service.event_attendance_certificates(event_id, progress)
            return service.attendance_certificates(participant_ids, progress)

        def issued(result: tuple[bytes, list[IssuedCertificate]]) -> None:
            pdf, certificates = result
            job.issued = list(certificates)
            job.preview = certificate_preview.open_preview(self, pdf, title, job.issued)

        def failed(exc: BaseException) -> None:
            job.error = exc
            if isinstance(exc, Cancelled):
                job.cancelled = True
                return
            self._failed(exc)

        self.ctx.run_op_progress(
            op, issued, failed, title=tr("آماده‌سازی گواهی‌های حضور"), parent=self
        )
        return job


class _AttendancePrint:
    """What :meth:`EventDialog.print_certificates` did (filled in as it finishes)."""

    def __init__(self, event_id: str, participant_ids: list[str] | None) -> None:
        self.event_id = event_id
        self.participant_ids = participant_ids
        self.issued: list[IssuedCertificate] = []
        self.preview: certificate_preview.CertificatePreviewDialog | None = None
        self.cancelled = False
        self.error: BaseException | None = None
