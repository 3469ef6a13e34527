"""«تنظیمات اداره»: the office's name, licence-number prefix and licence validity; sync.

The dialog loads the office, the field groups and the groups' validity settings in one
worker job (:func:`load_settings`) and saves them all in one (:func:`save_settings`):
:func:`app.services.core.office.update_office` and
:func:`app.services.core.office.set_group_validity_years` for every group, in one unit of work,
so that a refused value saves nothing. The province and county are shown, not edited:
they identify the office (the central server will own them).

Per field group, «پیش‌فرض اداره» checked means the group has no setting of its own and
follows the office's default validity; unchecked, its own spin box applies.

The «پشتیبان‌گیری» tab (app.views.backup_settings) holds the automatic backups' rotation
counts and second folder. The «همگام‌سازی» tab (app.views.sync_settings) holds the
server's address and the office's token; they are loaded and saved in the same jobs,
so a bad address saves nothing either. After ``accept()``,
:attr:`SettingsDialog.token_place` says where a new token went ("keyring", "database"
or "").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.autobackup import BackupSettings, backup_settings
from app.services.core.office import OfficeInfo, OfficeInput
from app.views.backup_settings import (
    BACKUP_FIELDS,
    BackupSettingsInput,
    BackupSettingsTab,
    save_backup_settings_input,
)
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sync_settings import (
    SYNC_FIELDS,
    SyncSettingsInput,
    SyncSettingsState,
    SyncSettingsTab,
    load_sync_settings,
    save_sync_settings,
)
from app.views.widgets.form import (
    INVALID_STYLE,
    FieldErrors,
    LatinLineEdit,
    UnsavedGuard,
    add_field_row,
    make_error_label,
    make_form_layout,
    save_cancel_buttons,
    show_save_errors,
)
from common.errors import ValidationError, ValidationErrors

#: Prefix of the FieldErrors name of a group's validity: ``group_validity.<code>``.
GROUP_FIELD_PREFIX = "group_validity."
#: The group table shows this many rows before it scrolls.
VISIBLE_GROUP_ROWS = 8


def _tr(text: str) -> str:
    return QCoreApplication.translate("SettingsDialog", text)


def group_field(code: str) -> str:
    """The FieldErrors name of the validity of field group ``code``."""
    return GROUP_FIELD_PREFIX + code


@dataclass(frozen=True)
class OfficeSettings:
    """What the dialog shows, loaded in one job."""

    office: OfficeInfo
    #: (code, name) of every field group, by code.
    groups: list[tuple[str, str]]
    #: The groups that have a validity of their own (code → years).
    group_years: dict[str, int]
    #: Signatory and logo printed on certificates.
    certificate: office_service.CertificateSettings = field(
        default_factory=office_service.CertificateSettings
    )
    #: The sync server's address and whether a token is stored.
    sync: SyncSettingsState = field(default_factory=SyncSettingsState)
    #: How many automatic backups to keep, and the second folder.
    backups: BackupSettings = field(default_factory=BackupSettings)


@dataclass(frozen=True)
class SettingsInput:
    """What the clerk chose, as :func:`save_settings` takes it."""

    office: OfficeInput
    #: Validity by group code; None: the group follows the office default.
    group_years: dict[str, int | None]
    #: Signatory and logo printed on certificates.
    certificate: office_service.CertificateSettings = field(
        default_factory=office_service.CertificateSettings
    )
    #: The sync address and token to save; None: unchanged.
    sync: SyncSettingsInput | None = None
    #: The automatic backups' settings; None: unchanged.
    backups: BackupSettingsInput | None = None


@dataclass(frozen=True)
class SavedSettings:
    """What :func:`save_settings` saved."""

    office: OfficeInfo
    #: Where a new sync token went: "keyring", "database", or "" (none given).
    token_place: str = ""


def load_settings(session: Session) -> OfficeSettings:
    """The office, its field groups and their validity settings."""
    return OfficeSettings(
        office=office_service.require_office(session),
        groups=reference.list_field_groups(session),
        group_years=office_service.group_validity_years(session),
        certificate=office_service.certificate_settings(session),
        sync=load_sync_settings(session),
        backups=backup_settings(session),
    )


def save_settings(session: Session, data: SettingsInput) -> SavedSettings:
    """Save the office, every group's validity and the sync settings in one unit of work.

    Every refused value is reported at once (a group's under ``group_validity.<code>``);
    raising makes the caller's unit of work roll back, so nothing is saved then.
    """
    errors: list[ValidationError] = []
    office: OfficeInfo | None = None
    try:
        office = office_service.update_office(session, data.office)
    except ValidationErrors as exc:
        errors.extend(exc.errors)
    for code, years in data.group_years.items():
        try:
            office_service.set_group_validity_years(session, code, years)
        except ValidationError as exc:
            errors.append(ValidationError(group_field(code), exc.message))
    try:
        office_service.set_certificate_settings(session, data.certificate)
    except ValidationErrors as exc:
        errors.extend(exc.errors)
    token_place = ""
    if data.sync is not None:
        try:
            token_place = save_sync_settings(session, data.sync)
        except ValidationErrors as exc:
            errors.extend(exc.errors)
    if data.backups is not None:
        try:
            save_backup_settings_input(session, data.backups)
        except ValidationErrors as exc:
            errors.extend(exc.errors)
    if errors or office is None:
        raise ValidationErrors(errors)
    return SavedSettings(office, token_place)


def _validity_spin() -> QSpinBox:
    """A spin box of years (1–10), read right to left: «۵ سال»."""
    spin = QSpinBox()
    spin.setRange(office_service.MIN_VALIDITY_YEARS, office_service.MAX_VALIDITY_YEARS)
    spin.setSuffix(_tr(" سال"))
    spin.setMaximumWidth(120)
    return spin


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class _GroupRow:
    """The widgets of one field group: its name, «پیش‌فرض اداره» and its own validity."""

    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name_label = QLabel(name)
        self.default_check = QCheckBox(_tr("پیش‌فرض اداره"))
        self.spin = _validity_spin()
        self.error = make_error_label()

    def years(self) -> int | None:
        """The group's own validity, or None when it follows the office default."""
        return None if self.default_check.isChecked() else self.spin.value()


class SettingsDialog(QDialog):
    """Edit the office's name, licence-number prefix and licence validity.

    After ``accept()``, :attr:`office` holds the office as saved.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.office: OfficeInfo | None = None
        self.token_place = ""
        self._loaded: OfficeSettings | None = None
        self._saving = False
        self.guard = UnsavedGuard(self, self._snapshot, lambda: self._saving)
        self.group_rows: dict[str, _GroupRow] = {}
        self.setWindowTitle(_tr("تنظیمات اداره"))
        self.setStyleSheet(INVALID_STYLE)
        self.setMinimumWidth(600)
        self.errors = FieldErrors(self)

        # -- the office -------------------------------------------------------------------
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(120)
        self.province_label = QLabel()
        self.county_label = QLabel()
        for label in (self.province_label, self.county_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.place_hint = _hint(_tr("استان و شهرستان، اداره را مشخص می‌کنند و اینجا تغییر نمی‌کنند."))
        self.prefix_edit = LatinLineEdit(max_length=10)
        self.prefix_edit.setPlaceholderText("0612")
        self.prefix_note = _hint(
            _tr("شماره مجوزهای تازه با این پیشوند ساخته می‌شوند؛ شماره‌های قبلی تغییر نمی‌کنند.")
        )
        self.default_spin = _validity_spin()

        office_form = make_form_layout()
        add_field_row(
            office_form, _tr("نام اداره:"), self.name_edit, self.errors.add("name", self.name_edit)
        )
        add_field_row(
            office_form,
            _tr("استان:"),
            self.province_label,
            self.errors.add("province_id", self.province_label),
        )
        add_field_row(
            office_form,
            _tr("شهرستان:"),
            self.county_label,
            self.errors.add("county_id", self.county_label),
            self.place_hint,
        )
        add_field_row(
            office_form,
            _tr("پیشوند شماره مجوز:"),
            self.prefix_edit,
            self.errors.add("licence_prefix", self.prefix_edit),
            self.prefix_note,
        )
        add_field_row(
            office_form,
            _tr("اعتبار پیش‌فرض مجوز:"),
            self.default_spin,
            self.errors.add("default_validity_years", self.default_spin),
        )
        office_box = QGroupBox(_tr("اداره"))
        office_box.setLayout(office_form)

        # -- validity by field group (rows are added when loaded) -----------------------
        self.groups_intro = _hint(
            _tr(
                "مدت اعتبار مجوزهای تازهٔ هر گروه رشته. گروهی که «پیش‌فرض اداره» دارد، "
                "اعتبار پیش‌فرض بالا را می‌گیرد. تاریخ انقضای مجوزهای صادرشده تغییر نمی‌کند."
            )
        )
        self._groups_widget = QWidget()
        self.groups_grid = QGridLayout(self._groups_widget)
        self.groups_grid.setContentsMargins(0, 0, 0, 0)
        self.groups_grid.setHorizontalSpacing(16)
        self.groups_grid.setVerticalSpacing(2)
        self.groups_grid.setColumnStretch(0, 1)
        self.groups_scroll = QScrollArea()
        self.groups_scroll.setWidget(self._groups_widget)
        self.groups_scroll.setWidgetResizable(True)
        self.groups_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.groups_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.groups_scroll.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding
        )
        groups_layout = QVBoxLayout()
        groups_layout.addWidget(self.groups_intro)
        groups_layout.addWidget(self.groups_scroll, 1)
        groups_box = QGroupBox(_tr("اعتبار مجوز بر اساس گروه رشته"))
        groups_box.setLayout(groups_layout)

        # -- certificates: signatory and logo ----------------------------------------------
        self.signatory_name_edit = QLineEdit()
        self.signatory_name_edit.setMaxLength(80)
        self.signatory_title_edit = QLineEdit()
        self.signatory_title_edit.setMaxLength(120)
        self.signatory_title_edit.setPlaceholderText(
            _tr("مثلاً: رئیس اداره تعاون، کار و رفاه اجتماعی")
        )
        self.logo_edit = QLineEdit()
        self.logo_edit.setReadOnly(True)
        self.logo_edit.setPlaceholderText(_tr("بدون نشان"))
        self.logo_edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.logo_choose_button = QPushButton(_tr("انتخاب…"))
        self.logo_clear_button = QPushButton(_tr("حذف"))
        logo_row = QWidget()
        logo_layout = QHBoxLayout(logo_row)
        logo_layout.setContentsMargins(0, 0, 0, 0)
        logo_layout.addWidget(self.logo_edit, 1)
        logo_layout.addWidget(self.logo_choose_button)
        logo_layout.addWidget(self.logo_clear_button)
        certificate_form = make_form_layout()
        add_field_row(
            certificate_form,
            _tr("نام امضاکننده:"),
            self.signatory_name_edit,
            self.errors.add("signatory_name", self.signatory_name_edit),
        )
        add_field_row(
            certificate_form,
            _tr("سمت امضاکننده:"),
            self.signatory_title_edit,
            self.errors.add("signatory_title", self.signatory_title_edit),
        )
        add_field_row(
            certificate_form,
            _tr("نشان اداره:"),
            logo_row,
            self.errors.add("logo", self.logo_edit),
            _hint(_tr("پرونده PNG یا JPEG؛ در گوشه گواهی‌نامه چاپ می‌شود.")),
        )
        certificate_box = QGroupBox(_tr("گواهی‌نامه"))
        certificate_box.setLayout(certificate_form)
        self.logo_choose_button.clicked.connect(self.on_logo_choose_button_clicked)
        self.logo_clear_button.clicked.connect(self.logo_edit.clear)

        # -- status and buttons -------------------------------------------------------------
        self.loading_label = QLabel(_tr("در حال خواندن تنظیمات…"))
        self.general_error = make_error_label()
        self.buttons, self.save_button, self.cancel_button = save_cancel_buttons()
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        # -- sync and backups ----------------------------------------------------------------
        self.sync_tab = SyncSettingsTab(ctx, self.errors)
        self.backup_tab = BackupSettingsTab(ctx, self.errors)

        office_page = QWidget()
        office_layout = QVBoxLayout(office_page)
        office_layout.addWidget(office_box)
        office_layout.addWidget(certificate_box)
        office_layout.addWidget(groups_box, 1)
        self.tabs = QTabWidget()
        self.office_tab_index = self.tabs.addTab(office_page, _tr("اداره"))
        self.sync_tab_index = self.tabs.addTab(self.sync_tab, _tr("همگام‌سازی"))
        self.backup_tab_index = self.tabs.addTab(self.backup_tab, _tr("پشتیبان‌گیری"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.loading_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        self.default_spin.valueChanged.connect(self.on_default_spin_value_changed)
        self.ctx.run_op(
            load_settings, self.on_settings_loaded, self.on_settings_failed, parent=self
        )

    # -- loading ---------------------------------------------------------------------------

    def on_settings_loaded(self, settings: OfficeSettings) -> None:
        """Show the office and one row per field group."""
        self._loaded = settings
        office = settings.office
        self.name_edit.setText(office.name)
        self.province_label.setText(office.province_name)
        self.county_label.setText(office.county_name or _tr("اداره کل استان (بدون شهرستان)"))
        self.prefix_edit.setText(office.licence_prefix)
        self.default_spin.setValue(office.default_validity_years)
        self.signatory_name_edit.setText(settings.certificate.signatory_name)
        self.signatory_title_edit.setText(settings.certificate.signatory_title)
        self.logo_edit.setText(settings.certificate.logo or "")
        self.sync_tab.set_state(settings.sync)
        self.backup_tab.set_state(settings.backups)
        for index, (code, name) in enumerate(settings.groups):
            self._add_group_row(2 * index, code, name, settings.group_years.get(code))
        self._fit_groups_height()
        self.loading_label.hide()
        self._fit_to_contents()
        self.save_button.setEnabled(True)
        self.guard.mark_clean()
        self.name_edit.setFocus()

    def _add_group_row(self, grid_row: int, code: str, name: str, years: int | None) -> None:
        row = _GroupRow(code, name)
        row.name_label.setBuddy(row.spin)
        row.default_check.setChecked(years is None)
        row.spin.setValue(years if years is not None else self.default_spin.value())
        row.spin.setEnabled(years is not None)
        row.default_check.toggled.connect(functools.partial(self.on_group_check_toggled, code))
        self.groups_grid.addWidget(row.name_label, grid_row, 0)
        self.groups_grid.addWidget(row.default_check, grid_row, 1)
        self.groups_grid.addWidget(row.spin, grid_row, 2)
        self.groups_grid.addWidget(row.error, grid_row + 1, 0, 1, 3)
        self.errors.add(group_field(code), row.spin, label=row.error)
        self.group_rows[code] = row

    def _fit_groups_height(self) -> None:
        """Show up to :data:`VISIBLE_GROUP_ROWS` groups without scrolling.

        Measured from the rows' own widgets: rows added to a dialog already on screen are
        shown only later, so the grid's size hint would leave them out.
        """
        rows = list(self.group_rows.values())[:VISIBLE_GROUP_ROWS]
        if not rows:
            return
        spacing = max(self.groups_grid.verticalSpacing(), 0)
        height = sum(
            max(
                row.name_label.sizeHint().height(),
                row.default_check.sizeHint().height(),
                row.spin.sizeHint().height(),
            )
            for row in rows
        )
        self.groups_scroll.setMinimumHeight(height + spacing * (len(rows) - 1))

    def _fit_to_contents(self) -> None:
        """Grow to the height the contents need at the dialog's width.

        The wrapped hints make the height depend on the width, which Qt's own sizing of
        a window does not always take into account (the last group was cut off).
        """
        # The boxes and the tab page between the groups and the dialog learn of the new
        # rows only from posted events: drop their cached sizes now.
        widget: QWidget | None = self.groups_scroll
        while widget is not None and widget is not self:
            widget.updateGeometry()
            widget = widget.parentWidget()
        layout = self.layout()
        assert layout is not None
        layout.activate()
        width = max(
            self.width() if self.isVisible() else self.sizeHint().width(), self.minimumWidth()
        )
        height = max(self.height() if self.isVisible() else 0, self.heightForWidth(width))
        self.resize(width, height)

    def on_settings_failed(self, exc: BaseException) -> None:
        """The settings could not be read: say so; nothing can be saved."""
        self.loading_label.hide()
        show_error(self, exc)

    # -- editing ---------------------------------------------------------------------------

    def on_default_spin_value_changed(self, value: int) -> None:
        """Groups that follow the office default show the new default."""
        for row in self.group_rows.values():
            if row.default_check.isChecked():
                row.spin.setValue(value)

    def on_group_check_toggled(self, code: str, checked: bool) -> None:
        """«پیش‌فرض اداره» checked: the group follows the default; unchecked: its own value."""
        row = self.group_rows[code]
        row.spin.setEnabled(not checked)
        if checked:
            row.spin.setValue(self.default_spin.value())
            self.errors.clear([group_field(code)])
        else:
            row.spin.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_group_years(self, code: str, years: int | None) -> None:
        """Give group ``code`` its own validity, or with None the office default (tests)."""
        row = self.group_rows[code]
        row.default_check.setChecked(years is None)
        if years is not None:
            row.spin.setValue(years)

    # -- saving ----------------------------------------------------------------------------

    def settings_input(self) -> SettingsInput:
        """What the clerk chose, as :func:`save_settings` takes it."""
        assert self._loaded is not None, "settings not loaded yet"
        office = self._loaded.office
        return SettingsInput(
            office=OfficeInput(
                province_id=office.province_id,
                county_id=office.county_id,
                name=self.name_edit.text(),
                licence_prefix=self.prefix_edit.text(),
                default_validity_years=self.default_spin.value(),
            ),
            group_years={code: row.years() for code, row in self.group_rows.items()},
            certificate=office_service.CertificateSettings(
                signatory_name=self.signatory_name_edit.text(),
                signatory_title=self.signatory_title_edit.text(),
                logo=self.logo_edit.text() or None,
            ),
            sync=self.sync_tab.sync_input(),
            backups=self.backup_tab.backup_input(),
        )

    def on_logo_choose_button_clicked(self) -> None:
        """Pick the office logo (PNG or JPEG)."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, _tr("نشان اداره"), self.logo_edit.text(), _tr("تصویر (*.png *.jpg *.jpeg)")
        )
        if chosen:
            self.logo_edit.setText(chosen)

    def on_buttons_accepted(self) -> None:
        """Save everything in one worker job; close on success."""
        if self._loaded is None or self._saving:
            return
        self.errors.clear()
        self.general_error.hide()
        data = self.settings_input()
        self._set_saving(True)

        def op(session: Session) -> SavedSettings:
            return save_settings(session, data)

        self.ctx.run_op(op, self.on_save_succeeded, self.on_save_failed, parent=self)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setEnabled(not saving)

    def on_save_succeeded(self, saved: SavedSettings) -> None:
        """Saved: tell the other screens, and close."""
        self._set_saving(False)
        self.office = saved.office
        self.token_place = saved.token_place
        self.guard.mark_clean()
        self.accept()

    def on_save_failed(self, exc: BaseException) -> None:
        """Show each message beside its field and focus the first; others in a box."""
        self._set_saving(False)
        show_save_errors(self, self.errors, self.general_error, exc)
        # Show the tab of the first field in error, then focus it.
        first = self.errors.first_invalid()
        if first is not None:
            if first in SYNC_FIELDS:
                self.tabs.setCurrentIndex(self.sync_tab_index)
            elif first in BACKUP_FIELDS:
                self.tabs.setCurrentIndex(self.backup_tab_index)
            else:
                self.tabs.setCurrentIndex(self.office_tab_index)
            self.errors.focus_first_invalid()

    # -- closing ---------------------------------------------------------------------------

    def _snapshot(self) -> tuple[object, ...]:
        return (
            self.name_edit.text(),
            self.prefix_edit.text(),
            self.default_spin.value(),
            tuple((code, row.years()) for code, row in self.group_rows.items()),
            self.signatory_name_edit.text(),
            self.signatory_title_edit.text(),
            self.logo_edit.text(),
            self.sync_tab.snapshot(),
            self.backup_tab.snapshot(),
        )

    def reject(self) -> None:
        """Escape, «انصراف» or the close button: ask first if there are unsaved edits."""
        if self.guard.may_close():
            super().reject()
