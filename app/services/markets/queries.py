"""Reading market records for the screens: the channel list (by platform, active, a
network's members), the contract list (by buyer and fulfilment, a network's), and the
supporters a contract may name. Channels and contracts are hundreds to a few thousand
per office: one query each, filtered in SQL where it is cheap."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.supporter import SUPPORTER_LEGAL
from app.services.markets.records import (
    ChannelFilter,
    ChannelRow,
    ContractFilter,
    ContractRow,
    Delivery,
    fulfilment_class,
)
from common.rules import deliveries_of
from common.text import persian_sort_key, search_key

#: The holders in a supporter's network now.
_NETWORK = (
    "SELECT person_id FROM network_member WHERE supporter_id = :sid AND left_on IS NULL "
    "AND deleted = 0"
)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def list_channels(session: Session, flt: ChannelFilter | None = None) -> list[ChannelRow]:
    """The channels matching ``flt``: by holder's name, then platform."""
    flt = flt or ChannelFilter()
    clauses = ["ch.deleted = 0"]
    params: dict[str, Any] = {}
    if flt.platform:
        clauses.append("ch.platform = :platform")
        params["platform"] = flt.platform
    if flt.active_only:
        clauses.append("ch.active = 1")
    if flt.supporter_id:
        clauses.append(f"ch.person_id IN ({_NETWORK})")
        params["sid"] = flt.supporter_id
    if flt.person_id:
        clauses.append("ch.person_id = :pid")
        params["pid"] = flt.person_id
    sql = (
        "SELECT ch.id, ch.person_id, p.first_name || ' ' || p.last_name, p.national_id, "
        "ch.platform, ch.shop_name, ch.shop_url, ch.onboarded_on, ch.active, c.name "
        "FROM sales_channel ch JOIN person p ON p.id = ch.person_id "
        "JOIN county c ON c.id = ch.county_id "
        f"WHERE {' AND '.join(clauses)}"
    )
    rows = [
        ChannelRow(
            id=r[0],
            person_id=r[1],
            holder=r[2],
            national_id=r[3],
            platform=r[4],
            shop_name=r[5],
            shop_url=r[6],
            onboarded_on=_date(r[7]),
            active=bool(r[8]),
            county=r[9],
        )
        for r in session.execute(text(sql), params)
    ]
    rows.sort(key=lambda row: (persian_sort_key(row.holder), persian_sort_key(row.platform)))
    return rows


def supporter_names(session: Session) -> dict[str, str]:
    """Every live supporter's name (a legal entity's, or its holder's), by id."""
    sql = (
        "SELECT s.id, s.kind, s.legal_name, p.first_name || ' ' || p.last_name "
        "FROM supporter s JOIN licence l ON l.id = s.licence_id "
        "JOIN person p ON p.id = l.person_id WHERE s.deleted = 0"
    )
    return {
        r[0]: (r[2] if r[1] == SUPPORTER_LEGAL and r[2] else r[3])
        for r in session.execute(text(sql))
    }


def _contract_matches(row: ContractRow, flt: ContractFilter) -> bool:
    if flt.buyer and search_key(flt.buyer) not in search_key(row.buyer):
        return False
    return not flt.fulfilment or fulfilment_class(row) == flt.fulfilment


def list_contracts(
    session: Session, flt: ContractFilter | None = None, *, contract_id: str = ""
) -> list[ContractRow]:
    """The contracts matching ``flt`` (or the one ``contract_id``), newest period first."""
    flt = flt or ContractFilter()
    clauses = ["k.deleted = 0"]
    params: dict[str, Any] = {}
    if contract_id:
        clauses.append("k.id = :kid")
        params["kid"] = contract_id
    if flt.buyer_kind:
        clauses.append("k.buyer_kind = :bk")
        params["bk"] = flt.buyer_kind
    if flt.supporter_id:
        clauses.append(
            "(k.buyer_supporter_id = :sid OR k.seller_supporter_id = :sid "
            f"OR k.seller_person_id IN ({_NETWORK}))"
        )
        params["sid"] = flt.supporter_id
    if flt.person_id:
        clauses.append("k.seller_person_id = :pid")
        params["pid"] = flt.person_id
    sql = (
        "SELECT k.id, k.buyer_kind, k.buyer_supporter_id, k.buyer_name, k.seller_kind, "
        "k.seller_person_id, k.seller_supporter_id, p.first_name || ' ' || p.last_name, "
        "k.product, k.unit, k.quantity, k.unit_price, k.start_date, k.end_date, "
        "k.deliveries, k.over_reason, c.name "
        "FROM purchase_contract k LEFT JOIN person p ON p.id = k.seller_person_id "
        "JOIN county c ON c.id = k.county_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY k.start_date DESC, k.id"
    )
    names = supporter_names(session)
    rows: list[ContractRow] = []
    for r in session.execute(text(sql), params):
        row = ContractRow(
            id=r[0],
            buyer_kind=r[1],
            buyer=names.get(r[2], "") if r[2] else r[3],
            buyer_supporter_id=r[2],
            seller_kind=r[4],
            seller=r[7] if r[5] else f"شبکه {names.get(r[6] or '', '')}",
            seller_person_id=r[5],
            seller_supporter_id=r[6],
            product=r[8],
            unit=r[9],
            quantity=int(r[10]),
            unit_price=int(r[11]),
            start_date=_date(r[12]),
            end_date=_date(r[13]),
            deliveries=tuple(
                Delivery(_date(d["day"]), int(d["quantity"]), str(d.get("note", "")))
                for d in deliveries_of(r[14])
            ),
            over_reason=r[15],
            county=r[16],
        )
        if _contract_matches(row, flt):
            rows.append(row)
    return rows


def get_contract(session: Session, contract_id: str) -> ContractRow | None:
    """One contract as the list shows it (None when it is gone)."""
    return next(iter(list_contracts(session, contract_id=contract_id)), None)


def person_national_id(session: Session, person_id: str) -> str:
    found = session.execute(
        text("SELECT national_id FROM person WHERE id = :pid"), {"pid": person_id}
    ).scalar()
    return str(found or "")
