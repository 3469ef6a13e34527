"""``daftar certificate|verify|key``: printing certificates, checking them, the office's
signing keys."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import EXIT_FAILED, EXIT_NOT_IN_FORCE, EXIT_OK, err, open_db

if TYPE_CHECKING:
    from common.signing import TrustedKey, VerificationResult


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
            err(f"تاریخ --issued-since نادرست است ({args.issued_since}): {exc.message}")
            return EXIT_FAILED
    chosen = sum(value is not None for value in (args.number, since, args.event))
    if chosen != 1:
        err(
            "give one of: a licence number, --issued-since or --event "
            "(فقط یکی از این‌ها را بدهید: شماره مجوز، تاریخ --issued-since یا کد رویداد --event)."
        )
        return EXIT_FAILED
    out: Path = args.out.expanduser().resolve()
    if out.is_dir():
        err(f"--out must be a file, not a folder (مسیر خروجی پوشه است): {out}")
        return EXIT_FAILED
    if args.event is not None:
        return _event_certificates(args.event, out, db_path, args)
    db = open_db(db_path, args, create=False)
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
                    err(
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
        err(
            f"{cert.licence_number}: گواهی‌نامه {cert.serial}{copy}، "
            f"کد تأیید {cert.verification_code}"
        )
    err(f"written {out}: {len(issued)} certificate(s)")
    return EXIT_OK


def _event_certificates(code: str, out: Path, db_path: Path, args: argparse.Namespace) -> int:
    """``daftar certificate --event CODE``: one attendance certificate per attendee."""
    from app.services.certificates.service import CertificateService
    from app.services.events.service import EventService
    from common.files import atomic_path

    db = open_db(db_path, args, create=False)
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
        err(
            f"{cert.holder_name}: گواهی حضور {cert.serial}{copy}، کد تأیید {cert.verification_code}"
        )
    err(f"written {out}: {len(issued)} certificate(s)")
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
            err(f"فایل کلیدها خوانده نشد (key file not readable): {args.keys}")
            return None
        except KeySetError as exc:
            err(f"{exc} ({args.keys})")
            return None
    for text in args.key:
        try:
            key = signing.trusted_key(text)
        except ValueError:
            err(f"کلید عمومی نامعتبر است (invalid --key): {text}")
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
        err(f"فایل پیدا نشد (file not found): {args.source}")
        return EXIT_FAILED
    if args.db is None and not db_path.exists():
        # No register on this machine: the key file (and --key keys) is all we trust.
        if not extra:
            err(
                "هیچ کلیدی داده نشده است: فایل کلیدهای منتشرشده را با --keys بدهید "
                "(no database and no --keys FILE: nothing to trust)."
            )
        results = verify_source(source, extra, shipped_county_names())
    else:
        db = open_db(db_path, None, create=False)  # open to all: no sign-in
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
            err("the key file to import is required (فایل کلیدها را بدهید).")
            return EXIT_FAILED
        try:
            keys = load_key_set(args.file.expanduser().read_bytes())
        except KeySetError as exc:
            err(f"{exc} ({args.file})")
            return EXIT_FAILED
    db = open_db(db_path, args, create=False)
    try:
        with db.session() as session:
            if args.action == "import":
                added = signing_keys.import_key_file(session, keys)
                err(f"{added} new key(s) trusted, {len(keys)} in the file")
                return EXIT_OK
            if args.action == "rotate":
                old = signing_keys.current_key_id(session)
                new = signing_keys.rotate_key(session)
                err(
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
