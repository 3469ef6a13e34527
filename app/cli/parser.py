"""The ``daftar`` command line: its sub-commands and options."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.audit import add_audit_parser
from app.cli.reports import add_report_parser
from app.cli.users import add_user_option, add_user_parser


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``daftar`` and every sub-command."""
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

    def add(name: str, help_: str, *, signed_in: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
        if signed_in:
            add_user_option(p)
        return p

    p = add("init", "set up the office of a new database (like the first-run dialog)")
    p.add_argument("--province", required=True, help="province name, e.g. تهران")
    p.add_argument("--county", help="county name (omit for a province office)")
    p.add_argument("--name", required=True, help="office name")
    p.add_argument("--prefix", required=True, help="licence-number prefix, e.g. 0612")
    p.add_argument("--validity", default="5", help="default licence validity in years")
    p.add_argument("--display-name", help="the head of office's name (--user: the username)")

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

    add_report_parser(add)

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
        "or its PDF file (open to all: no --user)",
        signed_in=False,
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
    p.add_argument("--display-name", help="the head of office's name (--user: the username)")
    _transport_options(p)

    p = add("sync", "sync with the central server (push local changes, pull the rest)")
    p.add_argument("--server", help="the server's address (default: the office's setting)")
    p.add_argument("--token", help="the office's token (default: the stored one)")
    _transport_options(p)
    add_user_parser(sub)
    add_audit_parser(sub)
    return parser


#: The kinds ``--kind`` takes (app.services.sheet_kinds has them all; not imported here, so
#: that parsing stays fast: a test checks that the two agree).
KIND_HELP = (
    "licences (default), supporters (with their network members), events (with "
    "participants), facilities (bank facility cases), repayments (a bank's repayment "
    "report), channels (holders' sales channels) or contracts (guaranteed-purchase "
    "contracts with their deliveries)"
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
