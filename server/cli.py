"""``daftar-server``: serve the API, enrol and revoke offices, manage their tokens.

    daftar-server serve --db PATH [--database-url URL] --host 127.0.0.1 --port N
                        [--ssl-keyfile KEY --ssl-certfile CERT]
                        [--forwarded-allow-ips IPS] [--docs] [--workers N]
                        [--db-connections N] [--db-wait SECONDS]
                        [--office-requests N] [--metrics [--metrics-token TOKEN]]
                        [--figures-token TOKEN]
    daftar-server add-office --db PATH --province NAME [--county NAME] --name NAME
                             [--expires-in DAYS] [--label TEXT]
    daftar-server revoke-office --db PATH --office ID
    daftar-server keys --db PATH --out FILE
    daftar-server revoke-key --db PATH --key ID [--from DATETIME] [--reason TEXT]
    daftar-server new-token --db PATH --office ID [--expires-in DAYS] [--label TEXT]
                            [--recovery]
    daftar-server revoke-token --db PATH --token TOKEN_ID
    daftar-server list-tokens --db PATH --office ID
    daftar-server catalogue import --db PATH FILE.csv
    daftar-server catalogue export --db PATH [--out FILE.csv]
    daftar-server report --db PATH --period 1405/08|1405-Q3|1405 --out FILE.pdf|.xlsx
                         [--province NAME]

``--database-url`` (or ``DATABASE_URL`` when neither option is given) selects
PostgreSQL instead of a SQLite file. ``add-office`` and ``new-token`` print the new token
once, as the last line of their output. Logs go to stderr. Running it in production
(TLS, a reverse proxy, systemd, PostgreSQL, backups): docs/deploy.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from common.files import write_bytes_atomically, write_text_atomically
from server.db import ServerDatabaseError, open_database
from server.offices import (
    EnrolmentError,
    enrol_office,
    expiry_after,
    get_office,
    issue_token,
    list_tokens,
    revoke_office,
    revoke_token,
    token_fingerprint,
    token_state,
)
from server.serve import LOG_FORMAT
from server.work import DEFAULT_PER_OFFICE, DEFAULT_SLOTS, DEFAULT_WAIT_SECONDS

log = logging.getLogger("daftar.server")


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", help="the server's SQLite database file")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a SQLAlchemy URL, e.g. postgresql+psycopg://… (default: DATABASE_URL)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of daftar-server."""
    parser = argparse.ArgumentParser(prog="daftar-server", description="Daftar's central server")
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API")
    _database_options(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--ssl-keyfile", metavar="KEY", help="serve HTTPS with this private key")
    serve.add_argument("--ssl-certfile", metavar="CERT", help="and this certificate (chain)")
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="behind a reverse proxy: trust X-Forwarded-For/-Proto from these comma-separated "
        "addresses (e.g. 127.0.0.1); without it the client address is the socket peer",
    )
    serve.add_argument(
        "--docs", action="store_true", help="serve the interactive API docs at /docs and /redoc"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (PostgreSQL only; default 1)",
    )
    serve.add_argument(
        "--db-connections",
        type=int,
        default=DEFAULT_SLOTS,
        metavar="N",
        help="requests working on the database at once, per worker: the size of its "
        f"connection pool (default {DEFAULT_SLOTS})",
    )
    serve.add_argument(
        "--db-wait",
        type=float,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help="how long a request waits for one of them before it is answered 503 with "
        f"Retry-After (default {DEFAULT_WAIT_SECONDS:g})",
    )
    serve.add_argument(
        "--office-requests",
        type=int,
        default=DEFAULT_PER_OFFICE,
        metavar="N",
        help="requests one office token (a desk) may have in flight at once, per worker; "
        f"beyond them 429 with Retry-After (default {DEFAULT_PER_OFFICE})",
    )
    serve.add_argument(
        "--metrics",
        action="store_true",
        help="serve Prometheus metrics at /metrics, to loopback clients only (and to "
        "--metrics-token bearers)",
    )
    serve.add_argument(
        "--metrics-token",
        metavar="TOKEN",
        default=os.environ.get("DAFTAR_METRICS_TOKEN"),
        help="a Bearer token that may read /metrics from anywhere (default: "
        "DAFTAR_METRICS_TOKEN; only with --metrics)",
    )
    serve.add_argument(
        "--figures-token",
        metavar="TOKEN",
        default=os.environ.get("DAFTAR_FIGURES_TOKEN"),
        help="a Bearer token that may read the national figures (GET /v1/figures) from "
        "anywhere (default: DAFTAR_FIGURES_TOKEN; without it, loopback clients only)",
    )

    add = commands.add_parser("add-office", help="enrol an office and print its token")
    _database_options(add)
    add.add_argument("--province", required=True, help="the province's Persian name")
    add.add_argument("--county", help="the county's Persian name (omit for a province office)")
    add.add_argument("--name", required=True, help="the office's name")
    _token_options(add)

    revoke = commands.add_parser("revoke-office", help="revoke an office and its tokens")
    _database_options(revoke)
    revoke.add_argument("--office", required=True, metavar="ID", help="the office's id")

    keys = commands.add_parser("keys", help="write the published signing key file")
    _database_options(keys)
    keys.add_argument("--out", required=True, metavar="FILE", help="the key file to write")

    revoke_key = commands.add_parser(
        "revoke-key", help="revoke a signing key: what it signed from then on is not genuine"
    )
    _database_options(revoke_key)
    revoke_key.add_argument("--key", required=True, metavar="ID", help="the key id (16 hex)")
    revoke_key.add_argument(
        "--from",
        dest="from_",
        metavar="DATETIME",
        help="revoked from this moment (ISO 8601, e.g. 2026-12-01T08:00+03:30; default now)",
    )
    revoke_key.add_argument("--reason", default="", help="why (shown to verifiers)")
    new = commands.add_parser("new-token", help="give an office another token and print it")
    _database_options(new)
    new.add_argument("--office", required=True, metavar="ID", help="the office's id")
    _token_options(new)
    new.add_argument(
        "--recovery",
        action="store_true",
        help="a one-time recovery token: `daftar setup --token T --user NEWHEAD` with it "
        "creates a new head account for an office whose head password is lost",
    )

    revoke_one = commands.add_parser("revoke-token", help="revoke one token of an office")
    _database_options(revoke_one)
    revoke_one.add_argument(
        "--token", required=True, metavar="TOKEN_ID", help="the token's id (from list-tokens)"
    )

    listing = commands.add_parser("list-tokens", help="list an office's tokens (no secrets)")
    _database_options(listing)
    listing.add_argument("--office", required=True, metavar="ID", help="the office's id")
    _catalogue_parser(commands)
    report = commands.add_parser(
        "report", help="the periodic report of the server's records (national or a province)"
    )
    _database_options(report)
    report.add_argument(
        "--period", required=True, help="1405/08 (a month), 1405-Q3 (a quarter) or 1405 (a year)"
    )
    report.add_argument(
        "--out", required=True, metavar="FILE", help="the file to write (.pdf or .xlsx)"
    )
    report.add_argument("--province", metavar="NAME", help="one province (its Persian name)")
    return parser


def _catalogue_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    catalogue = commands.add_parser(
        "catalogue", help="the central catalogue of business fields (offices pull it)"
    )
    actions = catalogue.add_subparsers(dest="catalogue_command", required=True)
    importing = actions.add_parser(
        "import",
        help="add, rename, retire or reactivate fields from a CSV file "
        "(format: resources/reference/README.md)",
    )
    _database_options(importing)
    importing.add_argument("file", metavar="FILE.csv", help="the catalogue file (UTF-8)")
    exporting = actions.add_parser("export", help="write the whole catalogue as CSV")
    _database_options(exporting)
    exporting.add_argument("--out", metavar="FILE", help="the file to write (default: stdout)")


def _token_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expires-in",
        type=int,
        metavar="DAYS",
        help="the token expires after this many days (default: never)",
    )
    parser.add_argument("--label", metavar="TEXT", help="what the token is for, e.g. the desk")


def _serve(args: argparse.Namespace) -> int:
    from server.serve import Listen, Settings, serve

    settings = Settings(
        url="",
        docs=args.docs,
        db_connections=args.db_connections,
        db_wait=args.db_wait,
        per_office=args.office_requests,
        metrics=args.metrics,
        metrics_token=args.metrics_token or None,
        figures_token=args.figures_token or None,
        log_level=str(args.log_level).upper(),
    )
    listen = Listen(
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_keyfile=args.ssl_keyfile,
        ssl_certfile=args.ssl_certfile,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    return serve(args.db, args.database_url, settings, listen)


def _in_session(args: argparse.Namespace, work: Callable[[Session], list[str]]) -> list[str]:
    """Run ``work`` in one committed transaction of the named database; its lines."""
    engine = open_database(args.db, args.database_url)
    try:
        with Session(engine) as session, session.begin():
            return work(session)
    finally:
        engine.dispose()


def _moment(moment: dt.datetime | None, never: str = "-") -> str:
    if moment is None:
        return never
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _print_token(lines: list[str], token: str) -> int:
    for line in lines:
        print(line)
    print("token (shown once; give it to the office):")
    print(token)
    return 0


def _add_office(args: argparse.Namespace) -> int:
    expires_at = expiry_after(args.expires_in)
    token = ""

    def work(session: Session) -> list[str]:
        nonlocal token
        office, token = enrol_office(
            session,
            name=args.name,
            province=args.province,
            county=args.county,
            expires_at=expires_at,
            label=args.label,
        )
        place = office.county_name or f"{office.province_name} (province office)"
        return [
            f"office: {office.id}",
            f"name: {office.name}",
            f"place: {place}",
            f"token id: {token_fingerprint(token)}",
            f"expires: {_moment(expires_at, 'never')}",
        ]

    return _print_token(_in_session(args, work), token)


def _revoke_office(args: argparse.Namespace) -> int:
    def work(session: Session) -> list[str]:
        return [f"revoked: {revoke_office(session, args.office).id}"]

    print(*_in_session(args, work), sep="\n")
    return 0


def _new_token(args: argparse.Namespace) -> int:
    expires_at = expiry_after(args.expires_in)
    token = ""

    def work(session: Session) -> list[str]:
        nonlocal token
        office = get_office(session, args.office)
        token = issue_token(
            session, office, expires_at=expires_at, label=args.label, recovery=args.recovery
        )
        return [
            f"office: {office.id}",
            f"name: {office.name}",
            f"token id: {token_fingerprint(token)}",
            f"expires: {_moment(expires_at, 'never')}",
            *(["recovery: one new head account (daftar setup --user NEWHEAD)"] * args.recovery),
        ]

    return _print_token(_in_session(args, work), token)


def _revoke_token(args: argparse.Namespace) -> int:
    def work(session: Session) -> list[str]:
        token = revoke_token(session, args.token)
        return [f"revoked token: {token.public_id} (office {token.office_id})"]

    print(*_in_session(args, work), sep="\n")
    return 0


#: The columns of list-tokens (tab-separated; times in UTC; "-" for none).
TOKEN_COLUMNS = ("id", "status", "label", "created", "expires", "last_used", "revoked")


def _list_tokens(args: argparse.Namespace) -> int:
    def work(session: Session) -> list[str]:
        rows = ["\t".join(TOKEN_COLUMNS)]
        for token in list_tokens(session, args.office):
            rows.append(
                "\t".join(
                    (
                        token.public_id,
                        token_state(token),
                        token.label or "-",
                        _moment(token.created_at),
                        _moment(token.expires_at, "never"),
                        _moment(token.last_used_at),
                        _moment(token.revoked_at),
                    )
                )
            )
        return rows

    print(*_in_session(args, work), sep="\n")
    return 0


def _keys(args: argparse.Namespace) -> int:
    from server.keys import key_set

    engine = open_database(args.db, args.database_url)
    try:
        with Session(engine) as session:
            document = key_set(session)
    finally:
        engine.dispose()
    out = Path(args.out).expanduser()
    write_text_atomically(out, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    print(f"written {out}: {len(document['keys'])} key(s), version {document['keys_version']}")
    return 0


def _revoke_key(args: argparse.Namespace) -> int:
    from server.keys import revoke_key

    at = None
    if args.from_:
        try:
            at = dt.datetime.fromisoformat(args.from_)
        except ValueError:
            log.error("--from is not an ISO 8601 date and time: %s", args.from_)
            return 2
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
    engine = open_database(args.db, args.database_url)
    try:
        with Session(engine) as session, session.begin():
            try:
                row = revoke_key(session, args.key, at=at, reason=args.reason)
            except LookupError:
                log.error("no signing key %s", args.key)
                return 2
            key_id, revoked_at = row.key_id, row.revoked_at
    finally:
        engine.dispose()
    assert revoked_at is not None
    print(f"revoked: {key_id} from {revoked_at.isoformat()}")
    return 0


def _catalogue(args: argparse.Namespace) -> int:
    from server.catalogue import CatalogueError, export_catalogue, import_catalogue

    if args.catalogue_command == "export":
        lines = _in_session(args, lambda session: [export_catalogue(session)])
        if args.out:
            out = Path(args.out).expanduser()
            write_text_atomically(out, lines[0])
            print(f"written {out}: {lines[0].count(chr(10)) - 1} field(s)")
        else:
            sys.stdout.write(lines[0])
        return 0
    path = Path(args.file).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.error("can't read %s: %s", path, exc)
        return 2

    def work(session: Session) -> list[str]:
        summary = import_catalogue(session, text, source=str(path))
        if not summary.any:
            return [f"nothing changed: the catalogue stays at version {summary.version}"]
        return [
            f"catalogue version {summary.version}: {summary.added} added, "
            f"{summary.renamed} renamed, {summary.retired} retired, "
            f"{summary.reactivated} reactivated, {summary.changed} otherwise changed",
            "offices pull it at their next sync",
        ]

    try:
        print(*_in_session(args, work), sep="\n")
    except CatalogueError as exc:
        for problem in exc.problems:
            log.error("%s: %s", path.name, problem)
        return 2
    return 0


def _report(args: argparse.Namespace) -> int:
    from common.errors import ValidationError
    from common.periods import parse_period
    from common.report_pdf import render_report_pdf
    from common.report_xlsx import report_xlsx
    from common.reports import report_totals
    from server.offices import load_reference, resolve_place
    from server.report import build_server_report

    out = Path(args.out).expanduser()
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        log.error("the report is written as .pdf or .xlsx (not %s)", out.suffix or "no suffix")
        return 2
    try:
        period = parse_period(args.period)
    except ValidationError as exc:
        log.error("--period: %s", exc.message)
        return 2
    province = None
    if args.province:
        province, _county = resolve_place(load_reference(), args.province, None)
    engine = open_database(args.db, args.database_url)
    try:
        with Session(engine) as session:
            report = build_server_report(session, period, province)
    finally:
        engine.dispose()
    write_bytes_atomically(
        out, render_report_pdf(report) if suffix == ".pdf" else report_xlsx(report)
    )
    totals = report_totals(report)
    print(f"written {out}: {report.place}, {period.code}")
    print(" ".join(f"{key}={value}" for key, value in totals.items()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run daftar-server; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=str(args.log_level).upper(),
        stream=sys.stderr,
        format=LOG_FORMAT,
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    handlers = {
        "serve": _serve,
        "add-office": _add_office,
        "revoke-office": _revoke_office,
        "keys": _keys,
        "revoke-key": _revoke_key,
        "new-token": _new_token,
        "revoke-token": _revoke_token,
        "list-tokens": _list_tokens,
        "catalogue": _catalogue,
        "report": _report,
    }
    try:
        return handlers[args.command](args)
    except (ServerDatabaseError, EnrolmentError) as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
