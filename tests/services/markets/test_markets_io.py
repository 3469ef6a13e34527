"""The ``channels`` and ``contracts`` spreadsheet kinds: row problems on their columns,
no duplicates on a second import, and an export that imports back unchanged."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from app.services.core.db import Database
from app.services.markets.io import CHANNELS, CONTRACTS
from app.services.markets.queries import list_channels, list_contracts
from app.services.spreadsheet.kind import SheetKind
from common import jalali
from tests.services.supporter_fixtures import issue, make_supporter, nid

TODAY = jalali.today()


def _j(day: dt.date) -> str:
    return jalali.format_jalali(day, persian_digits=False)


def _csv(path: Path, kind: SheetKind, rows: list[dict[str, str]]) -> Path:
    headers = kind.columns.headers
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def _import(db: Database, kind: SheetKind, path: Path):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return kind.import_file(s, path)


def test_channels_import_report_rows_then_round_trip(db: Database, tmp_path: Path) -> None:
    issue(db, nid(1), kind="مستقل")
    issue(db, nid(2), kind="مستقل")
    good = {
        "کد ملی دارنده": nid(1),
        "سکوی فروش": "باسلام",
        "نام فروشگاه": "ترشی نرگس",
        "نشانی فروشگاه": "basalam.com/narges",
        "تاریخ پیوستن": _j(TODAY - dt.timedelta(days=30)),
    }
    rows = [
        good,
        {**good, "کد ملی دارنده": nid(2), "سکوی فروش": "دیوار", "وضعیت": "غیرفعال"},
        {**good, "نشانی فروشگاه": "bad url", "تاریخ پیوستن": _j(TODAY + dt.timedelta(days=3))},
        {**good, "کد ملی دارنده": nid(3)},
    ]
    result = _import(db, CHANNELS, _csv(tmp_path / "in.csv", CHANNELS, rows))
    assert (result.imported, result.rejected) == (2, 2)
    assert {(p.row, p.column) for p in result.problems} == {
        (4, "تاریخ پیوستن"),
        (5, "کد ملی دارنده"),
    }
    again = _import(db, CHANNELS, _csv(tmp_path / "in2.csv", CHANNELS, rows[:2]))
    assert (again.imported, again.already_present) == (0, 2)
    with db.session() as s:
        before = {(r.national_id, r.platform, r.shop_url, r.active) for r in list_channels(s)}
        assert CHANNELS.export_file(s, tmp_path / "out.xlsx") == 2
    assert (nid(2), "دیوار", "https://basalam.com/narges", False) in before
    # Re-importing the export changes nothing.
    same = _import(db, CHANNELS, tmp_path / "out.xlsx")
    assert (same.imported, same.already_present) == (0, 2)


def test_contracts_import_report_rows_then_round_trip(db: Database, tmp_path: Path) -> None:
    supporter = make_supporter(db)
    issue(db, nid(1), kind="مستقل")
    licence = supporter.licence_number
    start, end = TODAY - dt.timedelta(days=60), TODAY + dt.timedelta(days=60)
    company = {
        "نوع خریدار": "شرکت",
        "خریدار": "شرکت پخش البرز",
        "فروشنده": nid(1),
        "کالا": "رب گوجه",
        "واحد": "کیلوگرم",
        "مقدار": "500",
        "قیمت واحد (تومان)": "120000",
        "شروع دوره": _j(start),
        "پایان دوره": _j(end),
        "تحویل‌ها": f"{_j(start + dt.timedelta(days=5))} 100 بار اول | {_j(TODAY)} 50",
    }
    network = {
        **company,
        "نوع خریدار": "پشتیبان",
        "خریدار": licence,
        "نوع فروشنده": "شبکه پشتیبان",
        "فروشنده": licence,
        "قیمت واحد (تومان)": "12500.5",
        "تحویل‌ها": "",
    }
    bad = {
        **company,
        "کالا": "عسل",
        "تحویل‌ها": f"{_j(end + dt.timedelta(days=1))} 10",
        "مقدار": "0",
    }
    unknown = {**network, "خریدار": "0612-999999", "کالا": "گلیم"}
    result = _import(
        db, CONTRACTS, _csv(tmp_path / "in.csv", CONTRACTS, [company, network, bad, unknown])
    )
    assert (result.imported, result.rejected) == (2, 2), result.problems
    assert {(p.row, p.column) for p in result.problems} == {
        (4, "مقدار"),
        (4, "تحویل‌ها"),  # after the period and in the future
        (5, "خریدار"),
    }
    with db.session() as s:
        rows = {r.buyer_kind: r for r in list_contracts(s)}
        assert rows["company"].delivered == 150 and rows["company"].fulfilment == 30.0
        assert (
            rows["supporter"].unit_price == 125_005
            and rows["supporter"].seller == f"شبکه {supporter.name}"
        )
        assert CONTRACTS.export_file(s, tmp_path / "out.xlsx") == 2
    same = _import(db, CONTRACTS, tmp_path / "out.xlsx")
    assert (same.imported, same.already_present) == (0, 2), same.problems
