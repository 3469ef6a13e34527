"""The main window: assembles the screens, the menus and the status bar; nothing more.

Screens are built here and talk to the window only through their signals; the window
opens the dialogs they ask for. Dialog modules are imported when first used, which keeps
start-up light (and start-up safe while a dialog is being worked on). The catalogue
screen is built the first time its tab is shown.

The «همگام‌سازی» menu and the sync part of the status bar belong to
:class:`app.views.sync_controller.SyncController`, made by :meth:`MainWindow.attach`.

Start-up is two-phase: ``MainWindow()`` builds and paints the window's frame (menus,
tabs, a «loading» page) with nothing but Qt imported, while the database is opened in a
worker; :meth:`MainWindow.attach` then builds the screens. This module therefore imports
SQLAlchemy and the services only inside functions.
"""

from __future__ import annotations

import importlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.core.progress import Progress
from app.views.bootstrap import persian_locale
from common.errors import DomainError
from common.text import isolate_ltr

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.core.office import OfficeInfo
    from app.services.licences.register import RegisterFilter
    from app.views.context import AppContext
    from app.views.register_screen import RegisterScreen
    from app.views.sync_controller import SyncController

log = logging.getLogger("daftar.gui")

BACKUP_SUFFIX = ".sqlite3"


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _count_all(session: Session) -> int:
    from app.services.licences import register

    return register.count(session, register.RegisterFilter())


class MainWindow(QMainWindow):
    """Daftar's main window for one office's database."""

    def __init__(
        self,
        ctx: AppContext | None = None,
        office: OfficeInfo | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._ctx: AppContext | None = None
        self._office: OfficeInfo | None = None
        self._locale = persian_locale()
        self._register_filter: RegisterFilter | None = None
        self.register_screen: RegisterScreen | None = None
        #: The last certificate printing started (app.views.certificate_print).
        self.certificate_job: Any = None
        #: Sync with the central server (after attach()).
        self.sync_controller: SyncController | None = None
        self.setWindowTitle(_tr("دفتر"))
        self.resize(1200, 760)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # The register tab shows «loading» until attach() puts the screen in its place.
        self._register_stack = QStackedWidget()
        self.loading_label = QLabel(_tr("در حال باز کردن دفتر…"))
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._register_stack.addWidget(self.loading_label)
        self.tabs.addTab(self._register_stack, _tr("دفتر مجوزها"))
        # The other screens are built on first show of their tab (start-up builds what it
        # shows): tab index → (module, class, attribute that holds the screen).
        self.supporters_screen: QWidget | None = None
        self.events_screen: QWidget | None = None
        self.catalogue_screen: QWidget | None = None
        self._lazy_tabs: dict[int, tuple[str, str, str]] = {}
        for label, module, class_name, attribute in (
            (
                _tr("پشتیبان‌ها"),
                "app.views.supporters_screen",
                "SupportersScreen",
                "supporters_screen",
            ),
            (_tr("رویدادها"), "app.views.events.screen", "EventsScreen", "events_screen"),
            (
                _tr("فهرست رشته‌ها"),
                "app.views.catalogue_screen",
                "CatalogueScreen",
                "catalogue_screen",
            ),
        ):
            page = QWidget()
            QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
            self._lazy_tabs[self.tabs.addTab(page, label)] = (module, class_name, attribute)
        self.setCentralWidget(self.tabs)

        self._build_menus()
        self._build_status_bar()
        for action in self._database_actions():
            action.setEnabled(False)
        self.tabs.currentChanged.connect(self.on_tabs_current_changed)
        if ctx is not None and office is not None:
            self.attach(ctx, office)

    def attach(self, ctx: AppContext, office: OfficeInfo) -> None:
        """Build the screens over the open database (the second phase of start-up)."""
        from app.services.licences.register import RegisterFilter
        from app.views.context import RECORDS_LICENCES, RECORDS_OFFICE
        from app.views.register_screen import RegisterScreen

        self._records_kinds = (RECORDS_LICENCES, RECORDS_OFFICE)
        self._ctx = ctx
        self._office = office
        self._register_filter = RegisterFilter()
        self.register_screen = RegisterScreen(ctx)
        self._register_stack.addWidget(self.register_screen)
        self._register_stack.setCurrentWidget(self.register_screen)
        self._show_office(office)
        for action in self._database_actions():
            action.setEnabled(True)
        self.register_screen.sig_issue_requested.connect(self.on_register_issue_requested)
        self.register_screen.sig_licence_open_requested.connect(
            self.on_register_licence_open_requested
        )
        self.register_screen.sig_filter_changed.connect(self.on_register_filter_changed)
        self.register_screen.sig_print_requested.connect(self.on_register_print_requested)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self.register_screen.setFocus()
        self._load_total()
        self._start_sync(ctx)

    def _start_sync(self, ctx: AppContext) -> None:
        """The sync controller and its part of the status bar (after the register's jobs)."""
        try:
            from app.views.sync_controller import SyncController

            self.sync_controller = SyncController(ctx, self)
        except Exception:  # a broken sync costs the sync, not the register
            log.exception("could not start the sync")
            for action in self._sync_actions():
                action.setEnabled(False)
            return
        self.statusBar().addPermanentWidget(self.sync_controller.status_line)
        self.sync_controller.sig_review_requested.connect(self.on_conflicts_action_triggered)

    @property
    def ctx(self) -> AppContext:
        """The context of the attached database (only after attach())."""
        assert self._ctx is not None, "MainWindow.attach() has not run"
        return self._ctx

    def _database_actions(self) -> tuple[QAction, ...]:
        """Actions that need the open database: disabled until attach()."""
        return (
            self.import_action,
            self.export_action,
            self.import_supporters_action,
            self.export_supporters_action,
            self.import_events_action,
            self.export_events_action,
            self.settings_action,
            self.backup_action,
            self.issue_action,
            self.print_selected_action,
            self.print_since_action,
            self.verify_action,
            self.signing_keys_action,
            *self._sync_actions(),
        )

    def _sync_actions(self) -> tuple[QAction, ...]:
        return (self.sync_action, self.conflicts_action, self.quarantine_action)

    # -- building ------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_tr("پرونده"))
        self.import_action = QAction(_tr("ورود اطلاعات از اکسل…"), self)
        self.import_action.triggered.connect(self.on_import_action_triggered)
        self.export_action = QAction(_tr("خروجی اکسل…"), self)
        self.export_action.triggered.connect(self.on_export_action_triggered)
        self.import_supporters_action = QAction(_tr("ورود پشتیبان‌ها و اعضای شبکه از اکسل…"), self)
        self.import_supporters_action.triggered.connect(self.on_import_supporters_action_triggered)
        self.import_events_action = QAction(_tr("ورود رویدادها و شرکت‌کنندگان از اکسل…"), self)
        self.import_events_action.triggered.connect(self.on_import_events_action_triggered)
        self.export_supporters_action = QAction(_tr("خروجی اکسل پشتیبان‌ها…"), self)
        self.export_supporters_action.triggered.connect(self.on_export_supporters_action_triggered)
        self.export_events_action = QAction(_tr("خروجی اکسل رویدادها…"), self)
        self.export_events_action.triggered.connect(self.on_export_events_action_triggered)
        self.settings_action = QAction(_tr("تنظیمات اداره…"), self)
        self.settings_action.triggered.connect(self.on_settings_action_triggered)
        self.backup_action = QAction(_tr("پشتیبان‌گیری…"), self)
        self.backup_action.triggered.connect(self.on_backup_action_triggered)
        self.quit_action = QAction(_tr("خروج"), self)
        self.quit_action.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Q))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_supporters_action)
        file_menu.addAction(self.export_supporters_action)
        file_menu.addAction(self.import_events_action)
        file_menu.addAction(self.export_events_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        licence_menu = bar.addMenu(_tr("مجوز"))
        self.issue_action = QAction(_tr("صدور مجوز جدید…"), self)
        self.issue_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.issue_action.triggered.connect(self.on_register_issue_requested)
        licence_menu.addAction(self.issue_action)

        certificate_menu = bar.addMenu(_tr("گواهی‌نامه"))
        self.print_selected_action = QAction(_tr("چاپ گواهی‌نامه‌های انتخاب‌شده…"), self)
        self.print_selected_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Print))
        self.print_selected_action.triggered.connect(self.on_print_selected_action_triggered)
        self.print_since_action = QAction(_tr("چاپ گروهی از تاریخ…"), self)
        self.print_since_action.triggered.connect(self.on_print_since_action_triggered)
        self.verify_action = QAction(_tr("بررسی اصالت گواهی‌نامه…"), self)
        self.verify_action.triggered.connect(self.on_verify_action_triggered)
        self.signing_keys_action = QAction(_tr("کلیدهای امضا…"), self)
        self.signing_keys_action.triggered.connect(self.on_signing_keys_action_triggered)
        certificate_menu.addAction(self.print_selected_action)
        certificate_menu.addAction(self.print_since_action)
        certificate_menu.addSeparator()
        certificate_menu.addAction(self.verify_action)
        certificate_menu.addAction(self.signing_keys_action)

        sync_menu = bar.addMenu(_tr("همگام‌سازی"))
        self.sync_action = QAction(_tr("همگام‌سازی با سرور"), self)
        self.sync_action.setShortcut(
            QKeySequence(Qt.Modifier.CTRL | Qt.Modifier.SHIFT | Qt.Key.Key_S)
        )
        self.sync_action.triggered.connect(self.on_sync_action_triggered)
        self.conflicts_action = QAction(_tr("بررسی تعارض‌ها…"), self)
        self.conflicts_action.triggered.connect(self.on_conflicts_action_triggered)
        self.quarantine_action = QAction(_tr("تغییرهای ردشده…"), self)
        self.quarantine_action.triggered.connect(self.on_quarantine_action_triggered)
        sync_menu.addAction(self.sync_action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.conflicts_action)
        sync_menu.addAction(self.quarantine_action)

        help_menu = bar.addMenu(_tr("راهنما"))
        self.about_action = QAction(_tr("درباره دفتر"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.on_about_action_triggered)
        help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        self.office_label = QLabel()
        self.path_label = QLabel()
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.total_label = QLabel()
        self.total_label.setObjectName("totalCount")
        status = self.statusBar()
        status.addWidget(self.office_label)
        status.addWidget(self.path_label, 1)
        status.addPermanentWidget(self.total_label)

    def _show_office(self, office: OfficeInfo) -> None:
        """Show ``office`` in the window title and the status bar."""
        self._office = office
        self.setWindowTitle(_tr("دفتر — {office}").format(office=office.name))
        self._fill_status_bar()

    def _fill_status_bar(self) -> None:
        office = self._office
        assert office is not None
        place = office.county_name or office.province_name
        self.office_label.setText(
            _tr("{office} ({place})").format(office=office.name, place=place)
            if place
            else office.name
        )
        path = str(self.ctx.db.path)
        self.path_label.setToolTip(path)
        elided = self.path_label.fontMetrics().elidedText(path, Qt.TextElideMode.ElideMiddle, 420)
        self.path_label.setText(isolate_ltr(elided))

    def _load_total(self) -> None:
        self.ctx.run_db(_count_all, self.on_total_loaded, self.on_total_failed, parent=self)

    # -- slots ---------------------------------------------------------------------------

    def on_total_loaded(self, total: int) -> None:
        """Show how many licences the office has."""
        self.total_label.setText(
            _tr("کل مجوزها: {count}").format(count=self._locale.toString(total))
        )

    def on_total_failed(self, exc: BaseException) -> None:
        """Counting failed; the register screen reports database problems itself."""
        log.warning("could not count licences: %s", exc)
        self.total_label.clear()

    def on_records_changed(self, kind: str) -> None:
        """Licences changed: count them again."""
        if kind in self._records_kinds:
            self._load_total()

    def on_register_filter_changed(self, flt: RegisterFilter) -> None:
        """Remember what the register shows (for «خروجی اکسل»)."""
        self._register_filter = flt

    def on_tabs_current_changed(self, index: int) -> None:
        """Build a screen (supporters, events, catalogue) the first time its tab is shown."""
        target = self._lazy_tabs.get(index)
        if target is None or self._ctx is None:
            return
        module, class_name, attribute = target
        if getattr(self, attribute) is not None:
            return
        screen_class = self._lazy(module, class_name)
        if screen_class is None:
            return
        screen = screen_class(self.ctx)
        setattr(self, attribute, screen)
        page = self.tabs.widget(index)
        layout = page.layout() if page is not None else None
        assert layout is not None
        layout.addWidget(screen)
        screen.show()
        screen.setFocus()

    def show_tab(self, attribute: str) -> QWidget | None:
        """Show the tab of a screen (``supporters_screen``, ``events_screen`` or
        ``catalogue_screen``), building it if needed; returns the screen."""
        for index, (_module, _class, name) in self._lazy_tabs.items():
            if name == attribute:
                self.tabs.setCurrentIndex(index)
                break
        screen: QWidget | None = getattr(self, attribute)
        return screen

    def on_register_issue_requested(self) -> None:
        """Open the form that issues a new licence."""
        dialog_class = self._lazy("app.views.licence_form", "LicenceFormDialog")
        if dialog_class is None:
            return
        dialog = dialog_class(self.ctx, self)
        dialog.exec()
        dialog.deleteLater()

    def on_register_licence_open_requested(self, licence_id: str) -> None:
        """Open a licence: its details, history and actions."""
        dialog_class = self._lazy("app.views.licence_dialog", "LicenceDialog")
        if dialog_class is None:
            return
        dialog = dialog_class(self.ctx, licence_id, self)
        dialog.exec()
        dialog.deleteLater()

    def on_print_selected_action_triggered(self) -> None:
        """«چاپ گواهی‌نامه‌های انتخاب‌شده…»: the register says which licences."""
        self.tabs.setCurrentIndex(0)
        if self.register_screen is not None:
            self.register_screen.request_print()

    def on_register_print_requested(self, licence_ids: list[str]) -> None:
        """Print the certificates of the licences selected in the register."""
        print_certificates = self._lazy("app.views.certificate_print", "print_licence_certificates")
        if print_certificates is None:
            return
        title = (
            _tr("گواهی‌نامه‌های انتخاب‌شده ({count})").format(
                count=self._locale.toString(len(licence_ids))
            )
            if len(licence_ids) != 1
            else _tr("گواهی‌نامه مجوز")
        )
        self.certificate_job = print_certificates(self.ctx, self, licence_ids, title=title)

    def on_print_since_action_triggered(self) -> None:
        """«چاپ گروهی از تاریخ…»: the certificates of the licences issued since a date."""
        print_issued_since = self._lazy("app.views.certificate_print", "print_issued_since")
        if print_issued_since is None:
            return
        self.certificate_job = print_issued_since(self.ctx, self)

    def on_verify_action_triggered(self) -> None:
        """«بررسی اصالت گواهی‌نامه…»."""
        dialog_class = self._lazy("app.views.verify_dialog", "VerifyDialog")
        if dialog_class is None:
            return
        dialog = dialog_class(self.ctx, self)
        dialog.exec()
        dialog.deleteLater()

    def on_signing_keys_action_triggered(self) -> None:
        """«کلیدهای امضا…»: the known keys; rotate this desk's key, add a key file."""
        dialog_class = self._lazy("app.views.signing_keys_dialog", "SigningKeysDialog")
        if dialog_class is None:
            return
        dialog = dialog_class(self.ctx, self)
        dialog.exec()
        dialog.deleteLater()

    def on_import_action_triggered(self) -> None:
        """Import licences from an Excel file."""
        dialog_class = self._lazy("app.views.import_dialog", "ImportDialog")
        if dialog_class is None:
            return
        dialog = dialog_class(self.ctx, self)
        dialog.exec()
        dialog.deleteLater()

    def on_import_supporters_action_triggered(self) -> None:
        """Import supporters and their network members from an Excel file."""
        self._open_import("supporter_import_spec")

    def on_import_events_action_triggered(self) -> None:
        """Import events and their participants from an Excel file."""
        self._open_import("event_import_spec")

    def on_export_supporters_action_triggered(self) -> None:
        """Export every supporter with its members to an Excel file."""
        self._run_export("export_supporters")

    def on_export_events_action_triggered(self) -> None:
        """Export every event with its participants to an Excel file."""
        self._run_export("export_events")

    def _open_import(self, spec_name: str) -> None:
        """The import dialog for supporters or events (``spec_name`` in import_dialog)."""
        dialog_class = self._lazy("app.views.import_dialog", "ImportDialog")
        make_spec = self._lazy("app.views.import_dialog", spec_name)
        if dialog_class is None or make_spec is None:
            return
        dialog = dialog_class(self.ctx, self, make_spec())
        dialog.exec()
        dialog.deleteLater()

    def _run_export(self, function_name: str) -> None:
        """Export supporters or events (``function_name`` in import_dialog)."""
        export = self._lazy("app.views.import_dialog", function_name)
        if export is not None:
            export(self.ctx, self)

    def on_export_action_triggered(self) -> None:
        """Export the licences the register shows to an Excel file."""
        export_register = self._lazy("app.views.import_dialog", "export_register")
        if export_register is None:
            return
        export_register(self.ctx, self, self._register_filter)

    def on_settings_action_triggered(self) -> None:
        """Open «تنظیمات اداره»; once saved, show the office's new name."""
        dialog_class = self._lazy("app.views.settings_dialog", "SettingsDialog")
        if dialog_class is None:
            return
        dialog = dialog_class(self.ctx, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        token_place = getattr(dialog, "token_place", "")
        dialog.deleteLater()
        if accepted:
            from app.services.core.office import require_office

            self.ctx.run_db(require_office, self.on_office_reloaded, parent=self)
            if token_place:
                from app.views.sync_common import token_place_text

                self.statusBar().showMessage(
                    _tr("توکن همگام‌سازی {place} نگهداری می‌شود.").format(
                        place=token_place_text(token_place)
                    ),
                    15_000,
                )

    def on_office_reloaded(self, office: OfficeInfo) -> None:
        """The office was read again (after its settings changed): show it."""
        self._show_office(office)

    def on_backup_action_triggered(self) -> None:
        """Write a copy of the database to a file the clerk chooses (in a worker)."""
        from common.jalali import format_jalali, today

        stamp = format_jalali(today(), persian_digits=False).replace("/", "-")
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = Path(folder or Path.home()) / f"daftar-backup-{stamp}{BACKUP_SUFFIX}"
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            _tr("پشتیبان‌گیری از پایگاه داده"),
            str(suggested),
            _tr("پایگاه داده دفتر (*.sqlite3)"),
        )
        if not chosen:
            return
        destination = Path(chosen)
        if destination.suffix != BACKUP_SUFFIX:
            destination = destination.with_name(destination.name + BACKUP_SUFFIX)
        db = self.ctx.db

        def op(_progress: Progress) -> Path:
            return _backup_to(db.path, db.backup, destination)

        self.ctx.runner.run(
            op,
            self.on_backup_succeeded,
            progress_title=_tr("پشتیبان‌گیری از پایگاه داده"),
            parent=self,
        )

    def on_backup_succeeded(self, destination: Path) -> None:
        """Tell the clerk where the backup is."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _tr("پشتیبان‌گیری"),
            _tr("نسخهٔ پشتیبان در این پرونده ذخیره شد:\n{path}").format(
                path=isolate_ltr(str(destination))
            ),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def on_sync_action_triggered(self) -> None:
        """«همگام‌سازی با سرور»."""
        if self.sync_controller is None:
            self._not_available()
            return
        self.sync_controller.sync_now()

    def on_conflicts_action_triggered(self) -> None:
        """«بررسی تعارض‌ها…»; the status line is read again afterwards."""
        self._open_sync_dialog("app.views.sync_conflicts_dialog", "ConflictReviewDialog")

    def on_quarantine_action_triggered(self) -> None:
        """«تغییرهای ردشده…»; the status line is read again afterwards."""
        self._open_sync_dialog("app.views.sync_quarantine_dialog", "QuarantineDialog")

    def _open_sync_dialog(self, module: str, name: str) -> None:
        dialog_class = self._lazy(module, name)
        if dialog_class is None:
            return
        dialog = dialog_class(self.ctx, self)
        dialog.exec()
        dialog.deleteLater()
        if self.sync_controller is not None:
            self.sync_controller.refresh_status()

    def closeEvent(self, event: QCloseEvent) -> None:
        """No more automatic syncs; a running one stops at its next step."""
        if self.sync_controller is not None:
            self.sync_controller.shutdown()
        super().closeEvent(event)

    def on_about_action_triggered(self) -> None:
        """«درباره دفتر»: the version (app.version, the one of the installer)."""
        from app.version import app_version

        version = app_version()
        QMessageBox.about(
            self,
            _tr("درباره دفتر"),
            _tr(
                "دفتر: نرم‌افزار ثبت مجوزهای مشاغل خانگی\n"
                "ادارات تعاون، کار و رفاه اجتماعی\n\nنسخهٔ {version}"
            ).format(version=isolate_ltr(version)),
        )

    def _lazy(self, module: str, name: str) -> Any:
        """``module.name``, imported now; None (and a message) if it can't be imported.

        Dialogs are imported when first opened: start-up stays light, and a missing or
        broken dialog module costs that one feature, not the application.
        """
        try:
            return getattr(importlib.import_module(module), name)
        except Exception:
            log.exception("could not import %s.%s", module, name)
        self._not_available()
        return None

    def _not_available(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _tr("دفتر"),
            _tr("این بخش از برنامه در دسترس نیست. لطفاً با پشتیبانی تماس بگیرید."),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("notAvailable")
        box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()


def _backup_to(live: Path, backup: Callable[[Path], Path], destination: Path) -> Path:
    """Back up through a temporary file in the destination folder, then move it in place.

    ``Database.backup`` refuses an existing file; the save dialog has already asked the
    clerk whether to replace it. The database in use is never replaced.
    """
    destination = destination.expanduser().resolve()
    if destination == live.resolve() or destination.name.startswith(f"{live.name}-"):
        raise DomainError(_tr("نسخهٔ پشتیبان نمی‌تواند روی پایگاه دادهٔ در حال استفاده نوشته شود."))
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".daftar-backup-", dir=destination.parent)
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()
    try:
        backup(temporary)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    return destination
