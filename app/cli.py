"""The ``daftar`` command: the GUI by default, sub-commands for automation and support.

Every sub-command takes ``--db PATH`` (default: the app's own database in the user's
local data folder), prints its messages to stderr and exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.core.db import Database
    from app.services.core.progress import Progress
    from app.services.sync.report import SyncReport
    from common.signing import TrustedKey, VerificationResult

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_SOME_REJECTED = 2
#: ``daftar verify``: the certificate is genuine but its licence is revoked, suspended or
#: expired.
EXIT_NOT_IN_FORCE = 2


def default_db_path() -> Path:
    """The embedded default database: ``<local app data>/Daftar/daftar/daftar.sqlite3``.

    The same folder as Qt's ``QStandardPaths.AppLocalDataLocation`` for the app.
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "Daftar" / "daftar" / "daftar.sqlite3"


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="daftar",
        description="دفتر: ثبت مجوزهای مشاغل خانگی (Daftar: the home-business register)",
    )
    parser.add_argument("--db", type=Path, help="database file (default: the app's own)")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="open the main window on a demo database, paint it and exit (0: it works)",
    )
    sub = parser.add_subparsers(dest="command")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
        return p

    p = add("init", "set up the office of a new database (like the first-run dialog)")
    p.add_argument("--province", required=True, help="province name, e.g. تهران")
    p.add_argument("--county", help="county name (omit for a province office)")
    p.add_argument("--name", required=True, help="office name")
    p.add_argument("--prefix", required=True, help="licence-number prefix, e.g. 0612")
    p.add_argument("--validity", default="5", help="default licence validity in years")

    p = add("demo", "fill a database with realistic demo licences")
    p.add_argument("--licences", type=int, required=True, help="how many licences to add")
    p.add_argument("--seed", type=int, default=1, help="random seed (deterministic data)")

    p = add("import", "import a spreadsheet (.xlsx or .csv): licences, or --kind …")
    p.add_argument("file", type=Path, nargs="?", help="the spreadsheet to import")
    _kind_option(p)
    p.add_argument("--report", type=Path, help="write rejected rows and reasons here (.xlsx)")
    p.add_argument("--template", type=Path, help="write an empty import template and exit")

    p = add("export", "export as .xlsx or .csv in the import template: licences, or --kind …")
    p.add_argument("file", type=Path, help="output file (.xlsx or .csv)")
    _kind_option(p)

    p = add("backup", "write a consistent copy of the database")
    p.add_argument("file", type=Path, help="the backup file to create")

    p = add(
        "restore",
        "replace the database with a backup (checked first; a safety copy of the current "
        "database is kept)",
    )
    p.add_argument("file", type=Path, help="the backup file to restore")
    p.add_argument(
        "--force",
        action="store_true",
        help="restore although local changes have not reached the server yet, or the "
        "backup is another office's",
    )

    p = add("certificate", "print licence or attendance certificates as one PDF (logged)")
    p.add_argument(
        "number", nargs="?", help="the licence number (omit with --issued-since or --event)"
    )
    p.add_argument(
        "--issued-since",
        metavar="DATE",
        help="every active licence issued on or after this Jalali date, e.g. 1405/09/01",
    )
    p.add_argument(
        "--event",
        metavar="EVENT_CODE",
        help="attendance certificates of every attendee of this event, e.g. 0612-E-0001",
    )
    p.add_argument("--out", type=Path, required=True, help="the PDF file to write")

    p = add(
        "verify",
        "check a certificate: its QR payload (DFT1.…), the verification page's address, "
        "or its PDF file",
    )
    p.add_argument(
        "source",
        help="the payload text, the verification address (https://…/v#DFT1.…), or a "
        "certificate PDF (or text) file",
    )
    p.add_argument(
        "--keys",
        type=Path,
        metavar="FILE",
        help="trust the published key file (daftar-server keys, or the server's /keys.json)",
    )
    p.add_argument(
        "--key",
        action="append",
        default=[],
        help="also trust this public key (base64)",
    )

    p = add(
        "key",
        "signing keys: list the known keys, rotate this desk's key, or trust a key file",
    )
    p.add_argument("action", choices=["list", "rotate", "import"], help="list | rotate | import")
    p.add_argument("file", type=Path, nargs="?", help="import: the published key file")

    p = add("setup", "create an office database from the central server (identity, data)")
    p.add_argument("--server", required=True, help="the server's address, e.g. https://…")
    p.add_argument("--token", required=True, help="the office's token (from add-office)")
    _transport_options(p)

    p = add("sync", "sync with the central server (push local changes, pull the rest)")
    p.add_argument("--server", help="the server's address (default: the office's setting)")
    p.add_argument("--token", help="the office's token (default: the stored one)")
    _transport_options(p)
    return parser


#: The kinds ``--kind`` takes (app.services.sheet_kinds has them all; not imported here, so
#: that parsing stays fast: a test checks that the two agree).
KIND_HELP = (
    "licences (default), supporters (with their network members) or events (with participants)"
)


def _kind_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kind", default="licences", metavar="KIND", help=f"what the file holds: {KIND_HELP}"
    )


def _transport_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="allow plain http:// to a server on another computer (unencrypted; remembered "
        "for this database and this server)",
    )
    parser.add_argument(
        "--ca-file",
        metavar="PEM",
        help="trust the server's certificate through this CA certificate file (an office's "
        'private CA; remembered; "" goes back to the system\'s authorities)',
    )


def _open(db_path: Path, *, create: bool = True) -> Database:
    from app.services.core.db import open_database

    return open_database(db_path, create=create)


def cmd_init(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar init``: create the office."""
    from app.services.core import office, reference
    from common.text import search_key

    db = _open(db_path)
    try:
        with db.session() as session:
            reference.seed_reference_data(session)
            session.flush()
            province = next(
                (
                    p
                    for p in reference.list_provinces(session)
                    if search_key(p.name) == search_key(args.province)
                ),
                None,
            )
            if province is None:
                _err(f"استان «{args.province}» پیدا نشد.")
                return EXIT_FAILED
            county_id = None
            if args.county:
                county = next(
                    (
                        c
                        for c in reference.list_counties(session, province.id)
                        if search_key(c.name) == search_key(args.county)
                    ),
                    None,
                )
                if county is None:
                    _err(f"شهرستان «{args.county}» در استان {province.name} پیدا نشد.")
                    return EXIT_FAILED
                county_id = county.id
            info = office.setup_office(
                session,
                office.OfficeInput(province.id, county_id, args.name, args.prefix, args.validity),
            )
        _err(f"office set up: {info.name}")
        return EXIT_OK
    finally:
        db.close()


def cmd_demo(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar demo``: add demo licences, then supporters with networks and events
    with participants."""
    from app.services import demo

    if args.licences < 0 or args.licences > 5_000_000:
        _err("--licences must be between 0 and 5,000,000 (تعداد مجوزها نامعتبر است).")
        return EXIT_FAILED
    db = _open(db_path)
    try:
        started = time.perf_counter()
        with db.session() as session:
            made = demo.generate(session, args.licences, seed=args.seed)
        _err(f"added {made} demo licences in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with db.session() as session:
            supporters, members, events, people = demo.generate_networks_and_events(
                session, args.licences, seed=args.seed
            )
        _err(
            f"added {supporters} supporters with {members} network members and {events} "
            f"events with {people} participants in {time.perf_counter() - started:.1f} s"
        )
        return EXIT_OK
    finally:
        db.close()


def cmd_import(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar import``: import a spreadsheet of any kind (exit 0, 2 or 1)."""
    from app.services.sheet_kinds import sheet_kind
    from app.services.spreadsheet import sheetfile
    from app.services.spreadsheet.exporter import write_report

    kind = sheet_kind(args.kind)
    if args.template is not None:
        kind.write_template(args.template)
        _err(f"template written: {args.template}")
        return EXIT_OK
    if args.file is None:
        _err("a file to import is required (فایل ورودی را مشخص کنید).")
        return EXIT_FAILED
    db = _open(db_path)
    try:
        try:
            with db.session() as session:
                result = kind.import_file(session, args.file)
        except sheetfile.ImportFileError as exc:
            _err(exc.message)
            _err("imported 0, rejected 0")
            return EXIT_FAILED
        for problem in result.problems:
            _err(f"ردیف {problem.row}، ستون «{problem.column}»: {problem.message}")
        for warning in result.warnings:
            _err(f"هشدار ردیف {warning.row}، ستون «{warning.column}»: {warning.message}")
        if args.report is not None:
            write_report(result, args.report)
            _err(f"report written: {args.report}")
        if result.already_present:
            _err(f"already in the register (skipped): {result.already_present}")
        _err(result.summary_line())
        return EXIT_SOME_REJECTED if result.rejected else EXIT_OK
    finally:
        db.close()


def cmd_export(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar export``: write every record of a kind in its import template."""
    from app.services.sheet_kinds import sheet_kind

    kind = sheet_kind(args.kind)
    db = _open(db_path)
    try:
        with db.session() as session:
            count = kind.export_file(session, args.file)
        _err(f"exported {count}")
        return EXIT_OK
    finally:
        db.close()


def cmd_backup(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar backup``: a consistent copy in a new file (never over an existing one)."""
    from app.services.core.backup import write_backup

    db = _open(db_path)
    try:
        write_backup(db, args.file)
        _err(f"backup written: {args.file}")
        return EXIT_OK
    finally:
        db.close()


def cmd_restore(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar restore``: 0 restored, 1 refused (with the reason)."""
    from app.services.core.restore import plan_restore, restore_database
    from app.views.instance import gui_running
    from common.jalali import format_jalali

    if gui_running(db_path):
        _err(
            "دفتر روی این پایگاه داده باز است؛ ابتدا پنجرهٔ دفتر را ببندید "
            "(the app has this database open: close it first)."
        )
        return EXIT_FAILED
    plan = plan_restore(db_path, args.file)
    backup = plan.backup
    taken = backup.taken_at.astimezone()
    _err(
        f"پشتیبان {format_jalali(taken.date(), persian_digits=False)} "
        f"{taken.strftime('%H:%M')}، اداره «{backup.office_name}»، {backup.licences} مجوز "
        f"(schema {backup.revision})"
    )
    refused = False
    if plan.live_pending:
        _err(
            f"{plan.live_pending} تغییر این رایانه هنوز به سرور نرسیده است و با بازیابی کنار "
            "می‌رود (فقط در نسخهٔ ایمنی می‌ماند). ابتدا «daftar sync» را اجرا کنید، یا با "
            f"--force بازیابی کنید ({plan.live_pending} local change(s) not sent yet)."
        )
        refused = True
    if plan.other_office:
        _err(
            f"این پشتیبان از ادارهٔ دیگری است («{backup.office_name}»، نه "
            f"«{plan.live_office_name}»)؛ برای بازیابی --force بدهید "
            "(the backup is another office's)."
        )
        refused = True
    if refused and not args.force:
        return EXIT_FAILED
    result = restore_database(db_path, args.file)
    if result.migrated_from:
        _err(f"upgraded from schema {result.migrated_from} (پشتیبان به‌روز شد)")
    if result.safety_copy is not None:
        _err(f"نسخهٔ ایمنی پایگاه دادهٔ پیشین (safety copy): {result.safety_copy}")
    _err(f"restored from {args.file}")
    return EXIT_OK


def cmd_certificate(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar certificate``: one licence's certificate, or a batch since a date."""
    from app.services.certificates.service import CertificateService
    from common import jalali
    from common.errors import ValidationError
    from common.files import atomic_path

    since = None
    if args.issued_since is not None:
        try:
            since = jalali.parse_jalali(args.issued_since, field="issued_since", label="تاریخ")
        except ValidationError as exc:
            _err(f"تاریخ --issued-since نادرست است ({args.issued_since}): {exc.message}")
            return EXIT_FAILED
    chosen = sum(value is not None for value in (args.number, since, args.event))
    if chosen != 1:
        _err(
            "give one of: a licence number, --issued-since or --event "
            "(فقط یکی از این‌ها را بدهید: شماره مجوز، تاریخ --issued-since یا کد رویداد --event)."
        )
        return EXIT_FAILED
    out: Path = args.out.expanduser().resolve()
    if out.is_dir():
        _err(f"--out must be a file, not a folder (مسیر خروجی پوشه است): {out}")
        return EXIT_FAILED
    if args.event is not None:
        return _event_certificates(args.event, out, db_path)
    db = _open(db_path, create=False)
    try:
        # The file is written inside the transaction: if it can't be written, nothing is
        # logged; it takes its name (atomically) once the log is committed.
        with atomic_path(out) as partial, db.session() as session:
            service = CertificateService(session)
            if since is None:
                ids = [service.licences.get_by_number(args.number).id]
            else:
                ids = service.certificates_issued_since(since)
                if not ids:
                    _err(
                        f"از تاریخ {args.issued_since} مجوز فعالی صادر نشده است "
                        "(no active licences issued since that date); nothing written."
                    )
                    return EXIT_FAILED
            pdf, issued = service.licence_certificates(ids)
            partial.write_bytes(pdf)
    finally:
        db.close()
    for cert in issued:
        copy = " (المثنی)" if cert.duplicate else ""
        _err(
            f"{cert.licence_number}: گواهی‌نامه {cert.serial}{copy}، "
            f"کد تأیید {cert.verification_code}"
        )
    _err(f"written {out}: {len(issued)} certificate(s)")
    return EXIT_OK


def _event_certificates(code: str, out: Path, db_path: Path) -> int:
    """``daftar certificate --event CODE``: one attendance certificate per attendee."""
    from app.services.certificates.service import CertificateService
    from app.services.events.service import EventService
    from common.files import atomic_path

    db = _open(db_path, create=False)
    try:
        # The file is written inside the transaction: if it can't be written, nothing is
        # logged; it takes its name (atomically) once the log is committed.
        with atomic_path(out) as partial, db.session() as session:
            event = EventService(session).get_by_code(code)
            pdf, issued = CertificateService(session).event_attendance_certificates(event.id)
            partial.write_bytes(pdf)
    finally:
        db.close()
    for cert in issued:
        copy = " (المثنی)" if cert.duplicate else ""
        _err(
            f"{cert.holder_name}: گواهی حضور {cert.serial}{copy}، کد تأیید {cert.verification_code}"
        )
    _err(f"written {out}: {len(issued)} certificate(s)")
    return EXIT_OK


def _verification_lines(result: VerificationResult) -> tuple[list[str], int]:
    """A verification result as printed lines, and its exit status."""
    if result.valid:
        register_status = result.register_status or ""
        in_force = register_status not in ("revoked", "suspended", "expired")
        keyword = "VALID" if in_force else f"VALID {register_status.upper()}"
        status = EXIT_OK if in_force else EXIT_NOT_IN_FORCE
        lines = [f"{keyword}: {result.reason}"]
        if result.issuer:
            lines.append(f"صادرکننده: {result.issuer}")
        if result.key_note:
            lines.append(result.key_note)
        if result.register_note:
            lines.append(result.register_note)
    else:
        status = EXIT_FAILED
        lines = [f"INVALID ({result.status}): {result.reason}"]
        if result.fields:
            lines.append("اطلاعات ادعاشده (تأیید نشده):")
    if result.verification_code:
        lines.append(f"کد تأیید: {result.verification_code}")
    lines.extend(f"  {label}: {value}" for label, value in result.fields)
    return lines, status


def _trusted_from_args(args: argparse.Namespace) -> dict[str, TrustedKey] | None:
    """The keys given with --keys FILE and --key BASE64 (None after printing a problem)."""
    from common import signing
    from common.key_set import KeySetError, read_key_file

    extra: dict[str, TrustedKey] = {}
    if args.keys is not None:
        try:
            extra.update(read_key_file(args.keys.expanduser().read_bytes()))
        except OSError:
            _err(f"فایل کلیدها خوانده نشد (key file not readable): {args.keys}")
            return None
        except KeySetError as exc:
            _err(f"{exc} ({args.keys})")
            return None
    for text in args.key:
        try:
            key = signing.trusted_key(text)
        except ValueError:
            _err(f"کلید عمومی نامعتبر است (invalid --key): {text}")
            return None
        extra.setdefault(key.key_id, key)
    return extra


def cmd_verify(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar verify``: 0 genuine (and in force as far as known), 1 invalid, 2 genuine
    but revoked, suspended or expired."""
    from app.services.certificates.service import CertificateService
    from app.services.certificates.verification import verify_source
    from common.reference import shipped_county_names

    extra = _trusted_from_args(args)
    if extra is None:
        return EXIT_FAILED
    source: str | Path = args.source
    candidate = Path(args.source).expanduser()
    try:
        is_file = "://" not in args.source and candidate.is_file()
    except OSError:  # e.g. a payload too long to be a file name
        is_file = False
    if is_file and not args.source.strip().startswith("DFT"):
        source = candidate
    elif args.source.lower().endswith((".pdf", ".txt")):
        _err(f"فایل پیدا نشد (file not found): {args.source}")
        return EXIT_FAILED
    if args.db is None and not db_path.exists():
        # No register on this machine: the key file (and --key keys) is all we trust.
        if not extra:
            _err(
                "هیچ کلیدی داده نشده است: فایل کلیدهای منتشرشده را با --keys بدهید "
                "(no database and no --keys FILE: nothing to trust)."
            )
        results = verify_source(source, extra, shipped_county_names())
    else:
        db = _open(db_path, create=False)
        try:
            with db.session() as session:
                results = CertificateService(session).verify(source, extra_keys=extra)
        finally:
            db.close()
    worst = EXIT_OK
    for index, result in enumerate(results):
        lines, status = _verification_lines(result)
        if len(results) > 1:
            print(f"— {index + 1}/{len(results)} —")
        print("\n".join(lines), flush=True)
        if status == EXIT_FAILED or (status == EXIT_NOT_IN_FORCE and worst == EXIT_OK):
            worst = status
    return worst


def cmd_key(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar key list | rotate | import FILE``: the signing keys this desk knows."""
    from app.services.core import signing_keys
    from common.key_set import KeySetError, load_key_set
    from common.signing import format_moment

    keys = []
    if args.action == "import":
        if args.file is None:
            _err("the key file to import is required (فایل کلیدها را بدهید).")
            return EXIT_FAILED
        try:
            keys = load_key_set(args.file.expanduser().read_bytes())
        except KeySetError as exc:
            _err(f"{exc} ({args.file})")
            return EXIT_FAILED
    db = _open(db_path, create=False)
    try:
        with db.session() as session:
            if args.action == "import":
                added = signing_keys.import_key_file(session, keys)
                _err(f"{added} new key(s) trusted, {len(keys)} in the file")
                return EXIT_OK
            if args.action == "rotate":
                old = signing_keys.current_key_id(session)
                new = signing_keys.rotate_key(session)
                _err(
                    f"کلید امضای این دستگاه تعویض شد: {new} (کلید قبلی {old or '—'} کنار "
                    "گذاشته شد و برای گواهی‌نامه‌های پیشین معتبر می‌ماند؛ در همگام‌سازی بعدی "
                    "منتشر می‌شود)."
                )
                print(new)
                return EXIT_OK
            for info in signing_keys.key_list(session):
                state = "revoked" if info.revoked_at else "retired" if info.retired_at else "active"
                since = info.revoked_at or info.retired_at
                when = f" {format_moment(since)}" if since else ""
                mark = "*" if info.current else ("own" if info.own else "")
                published = info.server_state or "not published"
                print(f"{info.key_id}\t{mark}\t{state}{when}\t{published}\t{info.office}")
        return EXIT_OK
    finally:
        db.close()


def _print_sync_report(report: SyncReport) -> int:
    if report.skew_warning:
        minutes = abs(report.skew_seconds) / 60
        _err(f"هشدار: ساعت این رایانه حدود {minutes:.0f} دقیقه با سرور اختلاف دارد.")
    if report.quarantined:
        _err(
            f"{report.quarantined} تغییر را سرور نپذیرفت و کنار گذاشته شد "
            "(در برنامه: همگام‌سازی ← تغییرهای ردشده)."
        )
    if report.conflicts:
        _err(f"{report.conflicts} تعارض منتظر بررسی است (همگام‌سازی ← بررسی تعارض‌ها).")
    print(report.summary_line(), flush=True)
    return EXIT_SOME_REJECTED if report.quarantined else EXIT_OK


def _sync_progress() -> Progress:

    from app.services.core.progress import Progress

    last = [0.0]

    def show(done: int, total: int | None, text: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0 or (total is not None and done >= total):
            last[0] = now
            _err(f"{text} {done}/{total}" if total else f"{text} {done}")

    return Progress(show)


def cmd_setup(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar setup``: a new office database from the central server."""
    from app.services.sync.setup import setup_from_server

    if db_path.exists() and db_path.stat().st_size > 0:
        _err(f"این فایل از قبل وجود دارد؛ نام فایل تازه‌ای بدهید: {db_path}")
        return EXIT_FAILED
    db, report = setup_from_server(
        db_path,
        args.server,
        args.token,
        insecure=args.insecure,
        ca_file=args.ca_file or "",
        progress=_sync_progress(),
    )
    db.close()
    return _print_sync_report(report)


def cmd_sync(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar sync``: one sync with the central server."""
    from app.services.sync.client import SyncClient
    from app.services.sync.settings import remember_transport_options
    from app.services.sync.transport import transport_for

    db = _open(db_path, create=False)
    try:
        if args.insecure or args.ca_file is not None:
            with db.session() as session:
                remember_transport_options(
                    session,
                    server_url=args.server or "",
                    insecure=args.insecure,
                    ca_file=args.ca_file,
                )
        with db.session() as session:
            transport = transport_for(session, server_url=args.server or "", token=args.token or "")
        try:
            report = SyncClient(db, transport, _sync_progress()).run()
        finally:
            transport.close()
    finally:
        db.close()
    return _print_sync_report(report)


COMMANDS = {
    "init": cmd_init,
    "demo": cmd_demo,
    "import": cmd_import,
    "export": cmd_export,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "certificate": cmd_certificate,
    "verify": cmd_verify,
    "key": cmd_key,
    "setup": cmd_setup,
    "sync": cmd_sync,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``daftar`` and ``python -m app``."""
    args = _parser().parse_args(argv)
    if args.version:
        from app.version import app_version

        print(f"daftar {app_version()}", flush=True)
        return EXIT_OK
    if args.smoke:
        from app.views.smoke import run_smoke

        return run_smoke(args.db)
    db_path: Path = args.db or default_db_path()
    if args.command is None:
        from app.views.app import run_gui

        return run_gui(db_path)
    from sqlalchemy.exc import DBAPIError

    from common.errors import DomainError

    try:
        return COMMANDS[args.command](args, db_path)
    except DomainError as exc:
        _err(exc.message)
        return EXIT_FAILED
    except DBAPIError as exc:
        # The GUI holds a write lock longer than SQLite's wait (5 s), the disk is full…
        from app.services.core.db import describe_problem

        problem = describe_problem(exc, db_path)
        if problem is None:
            raise
        _err(problem.message)
        return EXIT_FAILED
    except OSError as exc:
        _err(f"خطای فایل: {exc}")
        return EXIT_FAILED
