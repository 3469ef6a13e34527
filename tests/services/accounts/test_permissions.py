"""Every writing service command carries a permission, and refuses the roles without it.

The commands are found, not listed: every public function and method of app.services
whose code (with the module's private helpers it calls) writes (adds, deletes, flushes,
runs INSERT/UPDATE/DELETE, sets a setting, queues an outbox operation…) must either
carry ``@requires(Permission…)`` or be one of the helpers below (which only ever run
inside a command that was granted, or for the system's own work: the session guard of
app.services.core.access refuses them otherwise). A new writing command without a
permission fails :func:`test_every_writing_command_carries_a_permission`.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

import app.services
from app.models import Setting
from app.services.core.access import (
    ROLE_PERMISSIONS,
    AccessDenied,
    NotSignedIn,
    permission_of,
    system_work,
)
from app.services.core.db import Database
from app.services.licences.service import LicenceService
from common.vocabulary import Permission, Role
from tests.accounts_support import TEST_CLERK, TEST_HEAD, TEST_VIEWER, act_as
from tests.services.conftest import issue_test_licence

#: What writing looks like in the services' code.
WRITE_MARKERS = (
    ".add(",
    ".add_all(",
    ".delete(",
    ".merge(",
    ".flush(",
    "insert(",
    "update(",
    "set_setting(",
    "record_insert(",
    "record_update(",
    "touch(",
    "note_written(",
    "apply_values(",
    "store_secret(",
    "executemany(",
)

#: Public writers that are not commands: each runs only inside a granted command (or the
#: system's own work), and the session guard refuses it anywhere else.
HELPERS = {
    # core: building blocks of the commands
    "app.services.core.changes.note_written",
    "app.services.core.changes.track",
    "app.services.core.access.guard",
    "app.services.core.credentials.store_secret",
    "app.services.core.credentials.forget_secret",
    "app.services.core.credentials.store_token",
    "app.services.core.credentials.forget_token",
    "app.services.core.db.open_database",  # migrations and the system's follow-ups
    "app.services.core.db.scrub_freed_pages",
    "app.services.core.db.Database.backup",  # the file copy behind write_backup
    "app.services.core.office.set_setting",
    "app.services.core.outbox.record_insert",
    "app.services.core.outbox.insert_record",
    "app.services.core.outbox.record_update",
    "app.services.core.outbox.apply_values",
    "app.services.core.outbox.touch",
    "app.services.core.reference.seed_reference_data",  # shipped data: system work
    "app.services.core.reference.apply_reference_rows",  # within a sync
    "app.services.core.search_keys.refresh_supporter_search_keys",
    "app.services.core.search_keys.refresh_event_search_keys",
    "app.services.core.search_keys.refresh_search_keys",
    "app.services.core.search_keys.refresh_network_search_keys",
    "app.services.core.search_keys.refresh_for_holders",
    "app.services.core.search_keys.rebuild_if_stale",  # system work when a database opens
    "app.services.core.signing_keys.ensure_signing_key",  # within set-up and printing
    "app.services.core.signing_keys.sign_certificate",  # within printing
    "app.services.core.signing_keys.adopt_legacy_key",  # system work when a database opens
    "app.services.core.signing_keys.store_key_set",  # within a sync
    # the audit trail's seal: system work after a command, a sync, the app's session
    "app.services.core.audit.seal",
    # accounts: sign-in is the system's own work; the first head is made once, on an
    # empty database only (create_first_head refuses otherwise)
    "app.services.accounts.service.sign_in",
    "app.services.accounts.service.confirm_password",
    "app.services.accounts.service.create_first_head",
    "app.services.accounts.service.start_as_head",
    # numbers, codes and serials are allocated inside the commands that use them
    "app.services.licences.numbers.allocate_number",
    "app.services.licences.numbers.allocate_numbers",
    "app.services.licences.bulk.insert_people_and_licences",  # within import and demo
    "app.services.licences.service.LicenceService.add_history",  # within the commands
    "app.services.events.codes.allocate_event_codes",
    "app.services.certificates.serials.allocate_serials",
    # spreadsheets: the row handlers run inside import_file (Permission.IMPORT)
    "app.services.spreadsheet.importer.run_import",
    "app.services.spreadsheet.importer.ImportRun.apply",
    "app.services.licences.io._LicenceRows.row",
    "app.services.licences.io._LicenceRows.finish",
    "app.services.supporters.io._SupporterRows.row",
    "app.services.supporters.io._SupporterRows.finish",
    "app.services.events.io._EventRows.row",
    "app.services.events.io._EventRows.finish",
    "app.services.facilities.io._FacilityRows.row",
    "app.services.facilities.io._RepaymentRows.row",
    # sync: the steps of a granted run (Permission.SYNC)
    "app.services.sync.client.SyncClient.push",
    "app.services.sync.client.SyncClient.pull",
    "app.services.sync.client.store_reference",
    "app.services.sync.push.Pusher.run",
    "app.services.sync.push.Pusher.next_batch",
    "app.services.sync.pull.Puller.run",
    "app.services.sync.audit_sync.push_audit",
    "app.services.sync.pull.Puller.apply_page",
    "app.services.sync.pull._Plan.update",
    "app.services.sync.pull._Plan.insert",
    "app.services.sync.identity.fold",
    "app.services.sync.security.keep_insecure_for",  # within save_settings
    # the first set-up from the server creates the database and its head first
    "app.services.sync.setup.setup_from_server",
}

#: Writers that only change objects in memory or files, never the database.
NOT_DATABASE = {
    "app.services.core.autobackup.plan_rotation",  # a set's update, not a row's
    "app.services.core.hooks.attach_once",  # a set's add: the factories listened to
    "app.services.core.audit_rows.first_changed_row",  # a dict's update: reads rows
    "app.services.core.progress.Progress.report",
    "app.services.sync.report.SyncReport.changed",
    "app.services.spreadsheet.importer.ImportRun.reject",
    "app.services.spreadsheet.importer.ImportRun.count",
    "app.services.spreadsheet.importer.SheetRow.fail",
    "app.services.spreadsheet.importer.SheetRow.fail_errors",
    "app.services.spreadsheet.importer.SheetRow.reject",
    "app.services.spreadsheet.importer.SheetRow.warn",
    "app.services.spreadsheet.sheetfile.write_rows",
    "app.services.spreadsheet.sheetfile.write_template_book",
    "app.services.spreadsheet.exporter.write_export",
    "app.services.spreadsheet.exporter.write_template",
    "app.services.spreadsheet.exporter.write_report",
    "app.services.spreadsheet.kind.SheetKind.write_records",
    "app.services.spreadsheet.kind.SheetKind.write_template",
    "app.services.spreadsheet.columns.Columns.map_headers",
    "app.services.certificates.pdf.layout.load_style",
    "app.services.core.scope.OfficeScope.error",
    "app.services.sync.tables.chunks",
    "app.services.licences.register.RegisterFilter.with_text",
    # sets and dicts being filled (``.add(``), or a flush before reading
    "app.services.core.access.require",
    "app.services.core.credentials.load_secret",
    "app.services.events.queries.EventQueries.participants",
    "app.services.licences.numbers.next_local_seq",
    "app.services.licences.register.page",
    "app.services.spreadsheet.columns.choice",
    "app.services.supporters.service.SupporterService.validate",
    "app.services.sync.security.tls_error",
    "app.services.sync.tables.kinds_of",
    "app.services.sync.tables.rows_written",
    "app.services.sync.tables.pending_fields",
}


def _modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(app.services.__path__, "app.services."):
        yield importlib.import_module(info.name)


def _callables() -> Iterator[tuple[str, Callable[..., Any], type | None, Any]]:
    """(qualified name, function, its class or None, its module) of every function and
    method defined in app.services (public ones, and the row handlers' hooks)."""
    for module in _modules():
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value) and not name.startswith("_"):
                yield f"{module.__name__}.{name}", value, None, module
            elif inspect.isclass(value):
                for attr, member in vars(value).items():
                    if attr.startswith("_") or not inspect.isfunction(member):
                        continue
                    yield f"{module.__name__}.{name}.{attr}", member, value, module


def _source(function: Callable[..., Any]) -> str:
    target = inspect.unwrap(function)
    try:
        return textwrap.dedent(inspect.getsource(target))
    except (OSError, TypeError):
        return ""


def _private_helpers(module: Any, cls: type | None) -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for name, value in vars(module).items():
        if name.startswith("_") and inspect.isfunction(value):
            found[name] = value
    for klass in cls.__mro__ if cls is not None else ():
        for name, value in vars(klass).items():
            if name.startswith("_") and inspect.isfunction(value):
                found.setdefault(name, value)
    return found


def _writes(function: Callable[..., Any], cls: type | None, module: Any) -> bool:
    """Whether the function's code, or that of the private helpers it calls (within its
    module and class), writes."""
    helpers = _private_helpers(module, cls)
    seen: set[str] = set()
    todo = [_source(function)]
    while todo:
        code = todo.pop()
        if any(marker in code for marker in WRITE_MARKERS):
            return True
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in helpers and name not in seen:
                    seen.add(name)
                    todo.append(_source(helpers[name]))
    return False


COMMANDS = sorted(
    (name, function, cls)
    for name, function, cls, _module in _callables()
    if permission_of(function) is not None
)


def test_every_writing_command_carries_a_permission() -> None:
    unmarked = [
        name
        for name, function, cls, module in _callables()
        if permission_of(function) is None
        and name not in HELPERS
        and name not in NOT_DATABASE
        and _writes(function, cls, module)
    ]
    assert unmarked == [], (
        "these write but carry no @requires(Permission…) (or belong in HELPERS with a "
        f"reason): {unmarked}"
    )
    stale = sorted((HELPERS | NOT_DATABASE) - {name for name, *_ in _callables()})
    assert stale == [], f"listed but gone: {stale}"


def test_the_commands_found_cover_each_domain() -> None:
    names = {name for name, _f, _c in COMMANDS}
    for expected in (
        "app.services.licences.service.LicenceService.revoke",
        "app.services.licences.service.LicenceService.issue",
        "app.services.core.office.update_office",
        "app.services.sync.review.SyncReviewService.resolve",
        "app.services.accounts.service.AccountService.add",
        "app.services.core.backup.write_backup",
        "app.services.spreadsheet.kind.SheetKind.import_file",
        "app.services.events.service.EventService.create",
        "app.services.supporters.service.SupporterService.create",
        "app.services.certificates.service.CertificateService.licence_certificates",
    ):
        assert expected in names
    assert len(COMMANDS) >= 45


def _arguments(
    function: Callable[..., Any], cls: type | None, session: Session, db: Database
) -> list[Any]:
    """Positional arguments enough to reach the permission check (which runs first)."""
    values: list[Any] = []
    for parameter in inspect.signature(inspect.unwrap(function)).parameters.values():
        if parameter.kind is not parameter.POSITIONAL_OR_KEYWORD:
            break
        if parameter.default is not parameter.empty:
            break
        if parameter.name == "self" and cls is not None:
            instance = cls.__new__(cls)
            for attr, value in (("session", session), ("db", db)):
                with contextlib.suppress(AttributeError, TypeError):
                    object.__setattr__(instance, attr, value)
            values.append(instance)
        elif parameter.name == "session":
            values.append(session)
        elif parameter.name == "db":
            values.append(db)
        else:
            values.append(None)
    return values


def _refused(
    db: Database, account: Any, function: Callable[..., Any], cls: type | None
) -> BaseException | None:
    act_as(db, account)
    try:
        with db.session() as session:
            try:
                function(*_arguments(function, cls, session, db))
            except AccessDenied as exc:
                return exc
            return None
    finally:
        act_as(db)


@pytest.mark.parametrize(("name", "function", "cls"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_command_refuses_the_roles_without_its_permission(
    db: Database, name: str, function: Callable[..., Any], cls: type | None
) -> None:
    permission = permission_of(function)
    assert permission is not None
    for account in (TEST_VIEWER, TEST_CLERK):
        allowed = permission in ROLE_PERMISSIONS[account.role]
        if allowed:
            continue
        refused = _refused(db, account, function, cls)
        assert isinstance(refused, AccessDenied), f"{name} ran for a {account.role}"
        assert permission.label in refused.message
    refused = _refused(db, None, function, cls)
    assert isinstance(refused, NotSignedIn), f"{name} ran with nobody signed in"


def test_what_each_role_may_do() -> None:
    head, clerk, viewer = (ROLE_PERMISSIONS[role] for role in Role)
    assert head == frozenset(Permission)
    for forbidden in (
        Permission.REVOKE,
        Permission.OFFICE_SETTINGS,
        Permission.RESOLVE_CONFLICTS,
        Permission.ACCOUNTS,
    ):
        assert forbidden not in clerk
    for allowed in (
        Permission.REGISTER,
        Permission.EDIT,
        Permission.RENEW,
        Permission.SUSPEND,
        Permission.PRINT,
        Permission.IMPORT,
        Permission.SUPPORTERS,
        Permission.EVENTS,
    ):
        assert allowed in clerk
    assert viewer == {Permission.SYNC}  # brings others' changes; changes nothing itself


def test_a_clerk_cannot_revoke_but_can_suspend_and_a_head_can_revoke(db: Database) -> None:
    licence = issue_test_licence(db)
    act_as(db, TEST_CLERK)
    with db.session() as session, pytest.raises(AccessDenied, match="ابطال مجوز"):
        LicenceService(session).revoke(licence.id, "تخلف")
    with db.session() as session:
        suspended = LicenceService(session).suspend(licence.id, "عدم فعالیت")
    assert suspended.status == "suspended"
    act_as(db, TEST_HEAD)
    with db.session() as session:
        assert LicenceService(session).revoke(licence.id, "تخلف").status == "revoked"
        history = LicenceService(session).history(licence.id)
    actors = [entry.actor for entry in history]
    assert TEST_CLERK.display_name in actors and TEST_HEAD.display_name in actors


def test_a_viewer_cannot_write_even_past_the_services(db: Database) -> None:
    """The session guard: a write no command was granted for is refused, whoever asks."""
    for account in (TEST_VIEWER, None, TEST_HEAD):
        act_as(db, account)
        with pytest.raises(AccessDenied), db.session() as session:
            session.add(Setting(key="probe", value="x"))
    act_as(db, TEST_HEAD)
    with db.session() as session:
        assert session.get(Setting, "probe") is None
        system_work(session, "test: the system's own write")
        session.add(Setting(key="probe", value="x"))
    with db.session() as session:
        assert session.get(Setting, "probe") is not None
