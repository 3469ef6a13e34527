"""The main window: assembles the screens, the menus and the status bar; nothing more.

Screens are built here and talk to the window only through their signals; the window
opens the dialogs they ask for. Dialog and screen modules are imported where they are
first used (plain local imports, which mypy and import-linter see), which keeps start-up
light; the supporters, events and catalogue screens are built the first time their tab
is shown. The window does no work of its own: a backup is
:func:`app.services.core.backup.write_backup`, run in a worker.

The «همگام‌سازی» menu and the sync part of the status bar belong to
:class:`app.views.sync_controller.SyncController`, made by :meth:`MainWindow.attach`.

Why ~660 lines in one module: it is the one place that knows every screen, menu action
and tab (each a few lines of wiring, no logic); the dashboard and the facilities and
market tabs added theirs this stop. The next split is the menus (``_build_menus`` and the
``on_*_action_triggered`` slots) into a module of their own, as the sync menu already is.

Start-up is two-phase: ``MainWindow()`` builds and paints the window's frame (menus,
tabs, a «loading» page) with nothing but Qt imported, while the database is opened in a
worker; :meth:`MainWindow.attach` then builds the screens. This module therefore imports
SQLAlchemy and the services only inside functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.views.bootstrap import persian_locale
from common.text import isolate_ltr
from common.vocabulary import RecordKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.core.office import OfficeInfo
    from app.services.licences.register import RegisterFilter
    from app.views.backup_controller import BackupController
    from app.views.catalogue_screen import CatalogueScreen
    from app.views.certificate_print import CertificatePrintJob
    from app.views.context import AppContext
    from app.views.dashboard import DashboardScreen
    from app.views.events.screen import EventsScreen
    from app.views.facilities.screen import FacilitiesScreen
    from app.views.markets.screen import MarketsScreen
    from app.views.register_screen import RegisterScreen
    from app.views.supporters_screen import SupportersScreen
    from app.views.sync_controller import SyncController

log = logging.getLogger("daftar.gui")

S = TypeVar("S", bound=QWidget)


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _count_all(session: Session) -> int:
    from app.services.licences import register

    return register.count(session, register.RegisterFilter())


def _supporters_screen(ctx: AppContext) -> SupportersScreen:
    from app.views.supporters_screen import SupportersScreen

    return SupportersScreen(ctx)


def _events_screen(ctx: AppContext) -> EventsScreen:
    from app.views.events.screen import EventsScreen

    return EventsScreen(ctx)


def _facilities_screen(ctx: AppContext) -> FacilitiesScreen:
    from app.views.facilities.screen import FacilitiesScreen

    return FacilitiesScreen(ctx)


def _markets_screen(ctx: AppContext) -> MarketsScreen:
    from app.views.markets.screen import MarketsScreen

    return MarketsScreen(ctx)


def _catalogue_screen(ctx: AppContext) -> CatalogueScreen:
    from app.views.catalogue_screen import CatalogueScreen

    return CatalogueScreen(ctx)


@dataclass
class LazyTab(Generic[S]):
    """A tab whose screen is built (and its module imported) the first time it is shown."""

    index: int
    page: QWidget
    build: Callable[[AppContext], S]
    screen: S | None = None


class MainWindow(QMainWindow):
    """Daftar's main window for one office's database."""

    #: The clerk confirmed restoring this backup (a Path): the application closes the
    #: database, restores it and opens it again in a new window (app.views.app).
    sig_restore_requested = Signal(object)

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
        self.certificate_job: CertificatePrintJob | None = None
        #: Sync with the central server (after attach()).
        self.sync_controller: SyncController | None = None
        #: Backups and restore (after attach()).
        self.backup_controller: BackupController | None = None
        self.setWindowTitle(_tr("دفتر"))
        self.resize(1200, 760)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # The register tab shows «loading» until attach() puts the screen in its place.
        self._register_stack = QStackedWidget()
        self.loading_label = QLabel(_tr("در حال باز کردن دفتر…"))
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._register_stack.addWidget(self.loading_label)
        # The other screens are built on first show of their tab (start-up builds what it
        # shows: the register, where the clerks work; the dashboard comes first, a click
        # away).
        self._lazy_tabs: dict[int, LazyTab[Any]] = {}
        self.dashboard_tab = self._add_lazy_tab(_tr("پیشخوان"), self._dashboard_screen)
        self.register_index = self.tabs.addTab(self._register_stack, _tr("دفتر مجوزها"))
        self.tabs.setCurrentIndex(self.register_index)
        self.supporters_tab = self._add_lazy_tab(_tr("پشتیبان‌ها"), _supporters_screen)
        self.events_tab = self._add_lazy_tab(_tr("رویدادها"), _events_screen)
        self.facilities_tab = self._add_lazy_tab(_tr("تسهیلات"), _facilities_screen)
        self.markets_tab = self._add_lazy_tab(_tr("بازار"), _markets_screen)
        self.catalogue_tab = self._add_lazy_tab(_tr("فهرست رشته‌ها"), _catalogue_screen)
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
        from app.views.register_screen import RegisterScreen

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
        self._start_backups(ctx)
        from app.views.window_accounts import WindowAccounts

        #: The signed-in account: title, status line, accounts menu, idle lock.
        self.accounts = WindowAccounts(self, ctx)

    def _start_sync(self, ctx: AppContext) -> None:
        """The sync controller and its part of the status bar (after the register's jobs)."""
        from app.views.sync_controller import SyncController

        self.sync_controller = SyncController(ctx, self)
        self.statusBar().addPermanentWidget(self.sync_controller.status_line)
        self.sync_controller.sig_review_requested.connect(self.on_conflicts_action_triggered)

    def _start_backups(self, ctx: AppContext) -> None:
        """Automatic backups, their warning on the status line, and restore."""
        from app.views.backup_controller import BackupController

        self.backup_controller = BackupController(ctx, self, self.sync_controller)
        self.statusBar().addPermanentWidget(self.backup_controller.status_label)
        self.backup_controller.sig_restore_confirmed.connect(self.sig_restore_requested)

    def _dashboard_screen(self, ctx: AppContext) -> DashboardScreen:
        from app.views.dashboard import DashboardScreen

        screen = DashboardScreen(ctx)
        screen.sig_register_requested.connect(self.show_register)
        screen.sig_screen_requested.connect(self.show_screen)
        return screen

    def show_register(self, flt: RegisterFilter) -> None:
        """The register, showing the licences ``flt`` picks (a dashboard figure's list)."""
        self.tabs.setCurrentIndex(self.register_index)
        if self.register_screen is not None:
            self.register_screen.show_filter(flt)

    def show_screen(self, name: str) -> QWidget:
        """Show the tab of ``name`` (the dashboard's SUPPORTERS, EVENTS, FACILITIES or
        MARKETS)."""
        tabs: dict[str, LazyTab[Any]] = {
            "supporters": self.supporters_tab,
            "events": self.events_tab,
            "facilities": self.facilities_tab,
            "markets": self.markets_tab,
        }
        screen: QWidget = self.show_tab(tabs[name])
        return screen

    def _add_lazy_tab(self, label: str, build: Callable[[AppContext], S]) -> LazyTab[S]:
        page = QWidget()
        QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
        tab = LazyTab(self.tabs.addTab(page, label), page, build)
        self._lazy_tabs[tab.index] = tab
        return tab

    @property
    def supporters_screen(self) -> SupportersScreen | None:
        """The supporters screen, once its tab has been shown."""
        return self.supporters_tab.screen

    @property
    def events_screen(self) -> EventsScreen | None:
        """The events screen, once its tab has been shown."""
        return self.events_tab.screen

    @property
    def facilities_screen(self) -> FacilitiesScreen | None:
        """The facilities screen, once its tab has been shown."""
        return self.facilities_tab.screen

    def markets_screen(self) -> MarketsScreen | None:
        """The markets screen, once its tab has been shown."""
        return self.markets_tab.screen

    @property
    def catalogue_screen(self) -> CatalogueScreen | None:
        """The catalogue screen, once its tab has been shown."""
        return self.catalogue_tab.screen

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
            self.restore_action,
            self.issue_action,
            self.print_selected_action,
            self.print_since_action,
            self.verify_action,
            self.signing_keys_action,
            self.report_action,
            *self._sync_actions(),
        )

    def _sync_actions(self) -> tuple[QAction, ...]:
        return (self.sync_action, self.conflicts_action, self.quarantine_action)

    # -- building ------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu(_tr("پرونده"))
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
        self.restore_action = QAction(_tr("بازیابی از پشتیبان…"), self)
        self.restore_action.triggered.connect(self.on_restore_action_triggered)
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
        file_menu.addAction(self.restore_action)
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

        reports_menu = bar.addMenu(_tr("گزارش‌ها"))
        self.report_action = QAction(_tr("گزارش دوره‌ای…"), self)
        self.report_action.triggered.connect(self.on_report_action_triggered)
        reports_menu.addAction(self.report_action)

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
        self.ctx.run_op(_count_all, self.on_total_loaded, self.on_total_failed, parent=self)

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
        if kind in (RecordKind.LICENCES, RecordKind.OFFICE):
            self._load_total()

    def on_register_filter_changed(self, flt: RegisterFilter) -> None:
        """Remember what the register shows (for «خروجی اکسل»)."""
        self._register_filter = flt

    def on_tabs_current_changed(self, index: int) -> None:
        """Build a screen (supporters, events, catalogue) the first time its tab is shown."""
        tab = self._lazy_tabs.get(index)
        if tab is None or tab.screen is not None or self._ctx is None:
            return
        screen = tab.build(self.ctx)
        tab.screen = screen
        layout = tab.page.layout()
        assert layout is not None
        layout.addWidget(screen)
        screen.show()
        screen.setFocus()

    def show_tab(self, tab: LazyTab[S]) -> S:
        """Show a tab (``supporters_tab``, ``events_tab``, ``catalogue_tab``), building its
        screen if needed (after attach()); returns the screen."""
        self.tabs.setCurrentIndex(tab.index)
        assert tab.screen is not None, "MainWindow.attach() has not run"
        return tab.screen

    def _exec(self, dialog: QDialog) -> bool:
        """Show ``dialog`` modally, then delete it; True if it was accepted."""
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return accepted

    def on_register_issue_requested(self) -> None:
        """Open the form that issues a new licence."""
        from app.views.licence_form import LicenceFormDialog

        self._exec(LicenceFormDialog(self.ctx, self))

    def on_register_licence_open_requested(self, licence_id: str) -> None:
        """Open a licence: its details, history and actions."""
        from app.views.licence_dialog import LicenceDialog

        self._exec(LicenceDialog(self.ctx, licence_id, self))

    def on_print_selected_action_triggered(self) -> None:
        """«چاپ گواهی‌نامه‌های انتخاب‌شده…»: the register says which licences."""
        self.tabs.setCurrentIndex(self.register_index)
        if self.register_screen is not None:
            self.register_screen.request_print()

    def on_register_print_requested(self, licence_ids: list[str]) -> None:
        """Print the certificates of the licences selected in the register."""
        from app.views.certificate_print import print_licence_certificates

        title = (
            _tr("گواهی‌نامه‌های انتخاب‌شده ({count})").format(
                count=self._locale.toString(len(licence_ids))
            )
            if len(licence_ids) != 1
            else _tr("گواهی‌نامه مجوز")
        )
        self.certificate_job = print_licence_certificates(self.ctx, self, licence_ids, title=title)

    def on_print_since_action_triggered(self) -> None:
        """«چاپ گروهی از تاریخ…»: the certificates of the licences issued since a date."""
        from app.views.certificate_print import print_issued_since

        self.certificate_job = print_issued_since(self.ctx, self)

    def on_verify_action_triggered(self) -> None:
        """«بررسی اصالت گواهی‌نامه…»."""
        from app.views.verify_dialog import VerifyDialog

        self._exec(VerifyDialog(self.ctx, self))

    def on_report_action_triggered(self) -> None:
        """«گزارش دوره‌ای…»: a month's, quarter's or year's report, previewed and saved."""
        from app.views.reports_dialog import ReportsDialog

        self._exec(ReportsDialog(self.ctx, self))

    def on_signing_keys_action_triggered(self) -> None:
        """«کلیدهای امضا…»: the known keys; rotate this desk's key, add a key file."""
        from app.views.signing_keys_dialog import SigningKeysDialog

        self._exec(SigningKeysDialog(self.ctx, self))

    def on_import_action_triggered(self) -> None:
        """Import licences from an Excel file."""
        from app.views.import_dialog import ImportDialog

        self._exec(ImportDialog(self.ctx, self))

    def on_import_supporters_action_triggered(self) -> None:
        """Import supporters and their network members from an Excel file."""
        from app.services.sheet_kinds import SUPPORTERS
        from app.views.import_dialog import ImportDialog

        self._exec(ImportDialog(self.ctx, self, SUPPORTERS))

    def on_import_events_action_triggered(self) -> None:
        """Import events and their participants from an Excel file."""
        from app.services.sheet_kinds import EVENTS
        from app.views.import_dialog import ImportDialog

        self._exec(ImportDialog(self.ctx, self, EVENTS))

    def on_export_supporters_action_triggered(self) -> None:
        """Export every supporter with its members to an Excel file."""
        from app.services.sheet_kinds import SUPPORTERS
        from app.views.sheet_export import export_kind

        export_kind(self.ctx, self, SUPPORTERS)

    def on_export_events_action_triggered(self) -> None:
        """Export every event with its participants to an Excel file."""
        from app.services.sheet_kinds import EVENTS
        from app.views.sheet_export import export_kind

        export_kind(self.ctx, self, EVENTS)

    def on_export_action_triggered(self) -> None:
        """Export the licences the register shows to an Excel file."""
        from app.views.sheet_export import export_register

        export_register(self.ctx, self, self._register_filter)

    def on_settings_action_triggered(self) -> None:
        """Open «تنظیمات اداره»; once saved, show the office's new name."""
        from app.views.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        token_place = dialog.token_place
        dialog.deleteLater()
        if accepted:
            from app.services.core.office import require_office

            self.ctx.run_op(require_office, self.on_office_reloaded, parent=self)
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
        """«پشتیبان‌گیری…»: a copy to a file the clerk chooses (app.views.backup_controller)."""
        if self.backup_controller is not None:
            self.backup_controller.back_up_now()

    def on_restore_action_triggered(self) -> None:
        """«بازیابی از پشتیبان…»: choose, check, confirm; then the application restores."""
        if self.backup_controller is not None:
            self.backup_controller.restore()

    def on_sync_action_triggered(self) -> None:
        """«همگام‌سازی با سرور»."""
        if self.sync_controller is not None:
            self.sync_controller.sync_now()

    def on_conflicts_action_triggered(self) -> None:
        """«بررسی تعارض‌ها…»; the status line is read again afterwards."""
        from app.views.sync_conflicts_dialog import ConflictReviewDialog

        self._exec(ConflictReviewDialog(self.ctx, self))
        if self.sync_controller is not None:
            self.sync_controller.refresh_status()

    def on_quarantine_action_triggered(self) -> None:
        """«تغییرهای ردشده…»; the status line is read again afterwards."""
        from app.views.sync_quarantine_dialog import QuarantineDialog

        self._exec(QuarantineDialog(self.ctx, self))
        if self.sync_controller is not None:
            self.sync_controller.refresh_status()

    def closeEvent(self, event: QCloseEvent) -> None:
        """No more automatic syncs (a running one stops at its next step); one last
        automatic backup."""
        self.stop_background_work(take_backup=True)
        super().closeEvent(event)

    def stop_background_work(self, *, take_backup: bool) -> None:
        """Stop the automatic syncs and backups (the window closes, or the database is
        about to be restored: then without a last backup)."""
        if self.sync_controller is not None:
            self.sync_controller.shutdown()
        if self.backup_controller is not None:
            self.backup_controller.shutdown(take_backup=take_backup)

    def bring_forward(self) -> None:
        """Another start of Daftar on this database: show this window instead."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

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
