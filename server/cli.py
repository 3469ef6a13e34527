"""``daftar-server``: serve the API, enrol and revoke offices.

    daftar-server serve --db PATH [--database-url URL] --host 127.0.0.1 --port N
    daftar-server add-office --db PATH --province NAME [--county NAME] --name NAME
    daftar-server revoke-office --db PATH --office ID
    daftar-server keys --db PATH --out FILE
    daftar-server revoke-key --db PATH --key ID [--from DATETIME] [--reason TEXT]

``--database-url`` (or ``DATABASE_URL`` when neither option is given) selects
PostgreSQL instead of a SQLite file. ``add-office`` prints the new token once, as the
last line of its output. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from server.db import ServerDatabaseError, open_database
from server.offices import EnrolmentError, enrol_office, revoke_office

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

    add = commands.add_parser("add-office", help="enrol an office and print its token")
    _database_options(add)
    add.add_argument("--province", required=True, help="the province's Persian name")
    add.add_argument("--county", help="the county's Persian name (omit for a province office)")
    add.add_argument("--name", required=True, help="the office's name")

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
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    engine = open_database(args.db, args.database_url)
    log.info("serving on http://%s:%s (%s)", args.host, args.port, engine.url.render_as_string())
    try:
        uvicorn.run(
            create_app(engine),
            host=args.host,
            port=args.port,
            log_config=None,
            proxy_headers=False,
        )
    finally:
        engine.dispose()
    return 0


def _add_office(args: argparse.Namespace) -> int:
    engine = open_database(args.db, args.database_url)
    try:
        with Session(engine) as session, session.begin():
            office, token = enrol_office(
                session, name=args.name, province=args.province, county=args.county
            )
            office_id = office.id
            place = office.county_name or f"{office.province_name} (province office)"
    finally:
        engine.dispose()
    print(f"office: {office_id}")
    print(f"name: {args.name}")
    print(f"place: {place}")
    print("token (shown once; give it to the office):")
    print(token)
    return 0


def _revoke_office(args: argparse.Namespace) -> int:
    engine = open_database(args.db, args.database_url)
    try:
        with Session(engine) as session, session.begin():
            office = revoke_office(session, args.office)
            office_id = office.id
    finally:
        engine.dispose()
    print(f"revoked: {office_id}")
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
    partial = out.with_name(out.name + ".partial")
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    partial.replace(out)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run daftar-server; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=str(args.log_level).upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    handlers = {
        "serve": _serve,
        "add-office": _add_office,
        "revoke-office": _revoke_office,
        "keys": _keys,
        "revoke-key": _revoke_key,
    }
    try:
        return handlers[args.command](args)
    except (ServerDatabaseError, EnrolmentError) as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
