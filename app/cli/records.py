"""``daftar init|demo|import|export|backup|restore``: the office, its records in files,
its backups."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import EXIT_FAILED, EXIT_OK, EXIT_SOME_REJECTED, err, open_db
from app.cli.users import start_as_head

if TYPE_CHECKING:
    from app.services.core.db import Database
    from app.services.core.restore import RestorePlan


def cmd_init(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar init``: create the office."""
    from app.services.core import office, reference
    from common.text import search_key

    db = open_db(db_path, None)
    try:
        start_as_head(db, args)
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
                err(f"استان «{args.province}» پیدا نشد.")
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
                    err(f"شهرستان «{args.county}» در استان {province.name} پیدا نشد.")
                    return EXIT_FAILED
                county_id = county.id
            info = office.setup_office(
                session,
                office.OfficeInput(province.id, county_id, args.name, args.prefix, args.validity),
            )
        err(f"office set up: {info.name}")
        return EXIT_OK
    finally:
        db.close()


def cmd_demo(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar demo``: add demo licences, then supporters with networks and events
    with participants (head of office only; on a new database --user becomes its head)."""
    from app.services import demo

    if args.licences < 0 or args.licences > 5_000_000:
        err("--licences must be between 0 and 5,000,000 (تعداد مجوزها نامعتبر است).")
        return EXIT_FAILED
    db = open_db(db_path, None)
    try:
        start_as_head(db, args)  # a new demo database gets the head of office of --user
        started = time.perf_counter()
        with db.session() as session:
            made = demo.generate(session, args.licences, seed=args.seed)
        err(f"added {made} demo licences in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with db.session() as session:
            supporters, members, events, people = demo.generate_networks_and_events(
                session, args.licences, seed=args.seed
            )
        err(
            f"added {supporters} supporters with {members} network members and {events} "
            f"events with {people} participants in {time.perf_counter() - started:.1f} s"
        )
        from app.services.markets.demo import generate_markets

        with db.session() as session:
            channels, contracts, sellers = generate_markets(session, args.licences, args.seed)
        err(
            f"added {channels} sales channels, {contracts} guaranteed-purchase contracts "
            f"and the sales of {sellers} bazaar sellers"
        )
        with db.session() as session:
            cases = demo.generate_facility_cases(
                session, max(5, args.licences // 20), seed=args.seed
            )
        err(f"added {cases} facility cases")
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
        err(f"template written: {args.template}")
        return EXIT_OK
    if args.file is None:
        err("a file to import is required (فایل ورودی را مشخص کنید).")
        return EXIT_FAILED
    db = open_db(db_path, args)
    try:
        try:
            with db.session() as session:
                result = kind.import_file(session, args.file)
        except sheetfile.ImportFileError as exc:
            err(exc.message)
            err("imported 0, rejected 0")
            return EXIT_FAILED
        for problem in result.problems:
            err(f"ردیف {problem.row}، ستون «{problem.column}»: {problem.message}")
        for warning in result.warnings:
            err(f"هشدار ردیف {warning.row}، ستون «{warning.column}»: {warning.message}")
        if args.report is not None:
            write_report(result, args.report)
            err(f"report written: {args.report}")
        if result.already_present:
            err(f"already in the register (skipped): {result.already_present}")
        err(result.summary_line())
        return EXIT_SOME_REJECTED if result.rejected else EXIT_OK
    finally:
        db.close()


def cmd_export(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar export``: write every record of a kind in its import template."""
    from app.services.sheet_kinds import sheet_kind

    kind = sheet_kind(args.kind)
    db = open_db(db_path, args)
    try:
        with db.session() as session:
            count = kind.export_file(session, args.file)
        err(f"exported {count}")
        return EXIT_OK
    finally:
        db.close()


def cmd_backup(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar backup``: a consistent copy in a new file (never over an existing one)."""
    from app.services.core.backup import write_backup

    db = open_db(db_path, args)
    try:
        write_backup(db, args.file)
        err(f"backup written: {args.file}")
        return EXIT_OK
    finally:
        db.close()


def cmd_restore(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar restore``: 0 restored, 1 refused (with the reason)."""
    from app.views.instance import gui_running

    if gui_running(db_path):
        err(
            "دفتر روی این پایگاه داده باز است؛ ابتدا پنجرهٔ دفتر را ببندید "
            "(the app has this database open: close it first)."
        )
        return EXIT_FAILED
    from app.services.core.restore import plan_restore

    plan = plan_restore(db_path, args.file)  # the backup is checked before anything else
    db = _open_to_restore(args, db_path)
    try:
        return _restore(args, db_path, db, plan)
    finally:
        if db is not None:
            db.close()  # (restore_over has closed it; closing again does nothing)


def _restore(
    args: argparse.Namespace, db_path: Path, db: Database | None, plan: RestorePlan
) -> int:
    from app.services.core.restore import restore_database, restore_over
    from common.jalali import format_jalali

    backup = plan.backup
    taken = backup.taken_at.astimezone()
    err(
        f"پشتیبان {format_jalali(taken.date(), persian_digits=False)} "
        f"{taken.strftime('%H:%M')}، اداره «{backup.office_name}»، {backup.licences} مجوز "
        f"(schema {backup.revision})"
    )
    refused = False
    if plan.live_pending:
        err(
            f"{plan.live_pending} تغییر این رایانه هنوز به سرور نرسیده است و با بازیابی کنار "
            "می‌رود (فقط در نسخهٔ ایمنی می‌ماند). ابتدا «daftar sync» را اجرا کنید، یا با "
            f"--force بازیابی کنید ({plan.live_pending} local change(s) not sent yet)."
        )
        refused = True
    if plan.other_office:
        err(
            f"این پشتیبان از ادارهٔ دیگری است («{backup.office_name}»، نه "
            f"«{plan.live_office_name}»)؛ برای بازیابی --force بدهید "
            "(the backup is another office's)."
        )
        refused = True
    if refused and not args.force:
        return EXIT_FAILED
    result = restore_database(db_path, args.file) if db is None else restore_over(db, args.file)
    if result.migrated_from:
        err(f"upgraded from schema {result.migrated_from} (پشتیبان به‌روز شد)")
    if result.safety_copy is not None:
        err(f"نسخهٔ ایمنی پایگاه دادهٔ پیشین (safety copy): {result.safety_copy}")
    err(f"restored from {args.file}")
    return EXIT_OK


def _open_to_restore(args: argparse.Namespace, db_path: Path) -> Database | None:
    """The database a restore replaces, signed in as ``--user`` (restore_over lets only a
    head of office replace it); None when it does not exist or no longer opens (the
    usual reason to restore: nothing to guard, whoever holds the file replaces it)."""
    from app.services.core.db import DatabaseProblem

    if not db_path.exists():
        return None
    try:
        return open_db(db_path, args, create=False)
    except DatabaseProblem:
        return None
