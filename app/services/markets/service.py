"""Market access commands: :class:`MarketService` adds, edits and removes sales channels
and guaranteed-purchase contracts (with their deliveries) in the caller's session.

Each form is validated with the synced row's own rules (common.rules ``check_row``: the
server and pulls use the same ones) plus what only the office knows (the holder by
national ID, a supporter it has, the county in its scope); all problems of a form come
back together (:class:`~common.errors.ValidationErrors`), each on its field. Every change
bumps the row's ``rev`` and writes its outbox operation in the same transaction.

A record's home county is the seller's: the county of the holder's licence (or network
membership) within the office's scope, else the office's own county; a network's
contract lives in its supporter's county.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    County,
    Licence,
    NetworkMember,
    Person,
    PurchaseContract,
    SalesChannel,
    Supporter,
    new_id,
    utcnow,
)
from app.services.core.access import requires
from app.services.core.office import require_office
from app.services.core.outbox import apply_values, insert_record, touch
from app.services.core.scope import ScopedService
from app.services.markets.records import FIELD_LABELS, ChannelInput, ContractInput, Delivery
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors, collect
from common.rules import (
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    Context,
    Known,
    check_row,
    latest_day,
)
from common.text import RIALS_PER_TOMAN, normalize_text, to_ascii_digits
from common.validators import parse_amount, validate_national_id
from common.vocabulary import BuyerKind, Permission, SellerKind

CHANNEL_COLUMNS = ("platform", "shop_name", "shop_url", "onboarded_on", "active")
CONTRACT_COLUMNS = (
    "county_id",
    "buyer_kind",
    "buyer_supporter_id",
    "buyer_name",
    "seller_kind",
    "seller_person_id",
    "seller_supporter_id",
    "product",
    "unit",
    "quantity",
    "unit_price",
    "start_date",
    "end_date",
    "deliveries",
    "over_reason",
)
#: Rule columns shown in the form under another field name.
_FORM_FIELDS = {"seller_person_id": "seller_national_id"}


def toman_to_rials(value: str | int, field: str = "unit_price") -> int | None:
    """A price typed in tomans (whole, or with one decimal: rials) → rials; None if empty.
    Raises ValidationError on anything else."""
    label = FIELD_LABELS.get(field, field)
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_amount(value * RIALS_PER_TOMAN, field, label, maximum=MAX_UNIT_PRICE)
    s = to_ascii_digits(normalize_text(str(value))).replace("٫", ".").replace("/", ".")
    whole, _, decimal = s.partition(".")
    if decimal and (len(decimal) != 1 or not decimal.isdigit()):
        raise ValidationError(field, f"{label} را به تومان و بدون کسر بیش از یک رقم بنویسید")
    tomans = parse_amount(whole, field, label, maximum=MAX_UNIT_PRICE)
    if tomans is None:
        return None
    return parse_amount(
        tomans * RIALS_PER_TOMAN + int(decimal or 0), field, label, maximum=MAX_UNIT_PRICE
    )


def deliveries_json(deliveries: tuple[Delivery, ...]) -> str:
    """Deliveries as the row stores them (the rules sort and normalise them)."""
    return json.dumps(
        [{"day": d.day.isoformat(), "quantity": d.quantity, "note": d.note} for d in deliveries],
        ensure_ascii=False,
    )


class MarketService(ScopedService):
    """Sales channels and guaranteed-purchase contracts, within one unit of work."""

    def __init__(self, session: Session, *, today: dt.date | None = None) -> None:
        self.session = session
        self.office_id = require_office(session).id
        self.today = today or jalali.today()
        self._rules_context: Context | None = None

    # -- shared -------------------------------------------------------------------------

    def _context(self) -> Context:
        """The rules' context: the counties known here, and today as the latest day."""
        if self._rules_context is None:
            counties = frozenset(self.session.scalars(select(County.id)))
            known = Known(counties=counties, fields=frozenset())
            self._rules_context = Context(known, latest_day(self.today, 0, 0))
        return self._rules_context

    def _checked(
        self, table: str, row: Mapping[str, Any], errors: list[ValidationError]
    ) -> dict[str, Any]:
        """``row`` normalised by its rules; every problem (and ``errors``) raised together."""
        result = check_row(table, row, self._context())
        problems = [
            ValidationError(_FORM_FIELDS.get(p.field, p.field), p.message) for p in result.problems
        ]
        known = {e.field for e in errors}
        errors.extend(p for p in problems if p.field not in known)
        if errors:
            raise ValidationErrors(errors)
        return {**row, **result.values}

    def _holder(self, national_id: str, field: str, errors: list[ValidationError]) -> Person | None:
        nid = collect(errors, lambda: validate_national_id(national_id, field))
        if nid is None:
            return None
        person = self.session.scalar(
            select(Person).where(Person.national_id == nid, Person.deleted.is_(False))
        )
        if person is None:
            errors.append(ValidationError(field, "دارنده‌ای با این کد ملی در دفتر ثبت نیست"))
        return person

    def _supporter(
        self, supporter_id: str, field: str, errors: list[ValidationError]
    ) -> str | None:
        if not supporter_id:
            return None
        supporter = self.session.get(Supporter, supporter_id)
        if supporter is None or supporter.deleted:
            errors.append(ValidationError(field, "این پشتیبان در دفتر نیست"))
            return None
        return supporter.id

    def home_county(self, person_id: str) -> str | None:
        """The county a holder's records live in here: their licence's (or their network
        membership's) within this office's scope, newest first; else the office's own."""
        for query in (
            select(Licence.county_id)
            .where(Licence.person_id == person_id, Licence.deleted.is_(False))
            .order_by(Licence.issue_date.desc()),
            select(NetworkMember.county_id)
            .where(NetworkMember.person_id == person_id, NetworkMember.deleted.is_(False))
            .order_by(NetworkMember.joined_on.desc()),
        ):
            for county_id in self.session.scalars(query):
                if self.scope.contains(county_id):
                    return str(county_id)
        return self.scope.county_id

    def _require_owned_county(self, county_id: str) -> None:
        county = self.session.get(County, county_id)
        if county is not None:
            self.require_owned(county)

    def _new(self, model: Callable[..., Any], values: Mapping[str, Any]) -> str:
        row = model(
            id=new_id(),
            rev=1,
            updated_at=utcnow(),
            origin_office=self.office_id,
            deleted=False,
            **values,
        )
        insert_record(self.session, row)
        return str(row.id)

    def _save_changes(self, row: Any, changes: dict[str, list[Any]]) -> None:
        """A changed row's next revision and outbox operation (nothing when unchanged)."""
        if changes:
            touch(self.session, row, changes)
            self.session.flush()

    # -- sales channels -----------------------------------------------------------------

    def _channel_values(
        self,
        data: ChannelInput,
        person_id: str,
        county_id: str | None,
        errors: list[ValidationError],
    ) -> dict[str, Any]:
        onboarded = jalali.date_field(
            data.onboarded_on, "onboarded_on", FIELD_LABELS["onboarded_on"], errors
        )
        if county_id is None:
            errors.append(
                ValidationError("national_id", "شهرستان این دارنده در حوزهٔ این اداره نیست")
            )
        row = {
            "person_id": person_id,
            "county_id": county_id or "",
            "platform": data.platform,
            "shop_name": data.shop_name,
            "shop_url": data.shop_url,
            "onboarded_on": onboarded.isoformat() if onboarded else None,
            "active": data.active,
        }
        values = self._checked("sales_channel", row, errors)
        values["onboarded_on"] = dt.date.fromisoformat(values["onboarded_on"])
        return values

    @requires(Permission.EDIT)
    def add_channel(self, data: ChannelInput) -> str:
        """Record a holder's sales channel; returns its id."""
        errors: list[ValidationError] = []
        person = self._holder(data.national_id, "national_id", errors)
        county = self.home_county(person.id) if person is not None else self.scope.county_id
        values = self._channel_values(data, person.id if person else "", county, errors)
        return self._new(SalesChannel, values)

    def _channel(self, channel_id: str) -> SalesChannel:
        row = self.session.get(SalesChannel, channel_id)
        if row is None or row.deleted:
            raise DomainError("این کانال فروش پیدا نشد؛ شاید حذف شده باشد.")
        self._require_owned_county(row.county_id)
        return row

    @requires(Permission.EDIT)
    def edit_channel(self, channel_id: str, data: ChannelInput) -> None:
        """Change a channel's platform, shop, onboarding day or whether it is active (its
        holder stays: a channel of another holder is a new one)."""
        row = self._channel(channel_id)
        values = self._channel_values(data, row.person_id, row.county_id, [])
        self._save_changes(row, apply_values(row, values, CHANNEL_COLUMNS))

    @requires(Permission.EDIT)
    def set_channel_active(self, channel_id: str, active: bool) -> None:
        row = self._channel(channel_id)
        touch(self.session, row, apply_values(row, {"active": active}, ("active",)))
        self.session.flush()

    @requires(Permission.EDIT)
    def delete_channel(self, channel_id: str) -> None:
        """Remove a channel recorded by mistake (a tombstone, synced)."""
        row = self._channel(channel_id)
        touch(self.session, row, apply_values(row, {"deleted": True}, ("deleted",)))
        self.session.flush()

    # -- contracts ----------------------------------------------------------------------

    def _parties(self, data: ContractInput, errors: list[ValidationError]) -> dict[str, Any]:
        """The buyer and seller columns, and the county the seller's records live in."""
        buyer_supporter = (
            self._supporter(data.buyer_supporter_id, "buyer_supporter_id", errors)
            if data.buyer_kind == BuyerKind.SUPPORTER
            else None
        )
        person_id = seller_supporter = None
        county: str | None = self.scope.county_id
        if data.seller_kind == SellerKind.HOLDER and data.seller_national_id.strip():
            person = self._holder(data.seller_national_id, "seller_national_id", errors)
            person_id = person.id if person is not None else None
            county = self.home_county(person.id) if person is not None else county
        elif data.seller_kind == SellerKind.NETWORK:
            seller_supporter = self._supporter(
                data.seller_supporter_id, "seller_supporter_id", errors
            )
            supporter = self.session.get(Supporter, seller_supporter) if seller_supporter else None
            if supporter is not None:
                county = supporter.county_id
                problem = self.scope.error(supporter.county_id, field="seller_supporter_id")
                if problem is not None:
                    errors.append(problem)
        return {
            "county_id": county or "",
            "buyer_kind": data.buyer_kind,
            "buyer_supporter_id": buyer_supporter,
            "buyer_name": "" if data.buyer_kind == BuyerKind.SUPPORTER else data.buyer_name,
            "seller_kind": data.seller_kind,
            "seller_person_id": person_id,
            "seller_supporter_id": seller_supporter,
        }

    def _contract_values(
        self, data: ContractInput, errors: list[ValidationError]
    ) -> dict[str, Any]:
        row = self._parties(data, errors)
        start = jalali.date_field(data.start_date, "start_date", FIELD_LABELS["start_date"], errors)
        end = jalali.date_field(data.end_date, "end_date", FIELD_LABELS["end_date"], errors)
        quantity = collect(
            errors,
            lambda: parse_amount(
                data.quantity, "quantity", FIELD_LABELS["quantity"], maximum=MAX_QUANTITY
            ),
        )
        price = collect(errors, lambda: toman_to_rials(data.unit_price_toman))
        row.update(
            product=data.product,
            unit=data.unit,
            quantity=quantity,
            unit_price=price,
            start_date=start.isoformat() if start else None,
            end_date=end.isoformat() if end else None,
            deliveries=deliveries_json(data.deliveries),
            over_reason=data.over_reason,
        )
        values = self._checked("purchase_contract", row, errors)
        values["start_date"] = dt.date.fromisoformat(values["start_date"])
        values["end_date"] = dt.date.fromisoformat(values["end_date"])
        return values

    @requires(Permission.EDIT)
    def add_contract(self, data: ContractInput) -> str:
        """Record a guaranteed-purchase contract (and any deliveries); returns its id."""
        return self._new(PurchaseContract, self._contract_values(data, []))

    def _contract(self, contract_id: str) -> PurchaseContract:
        row = self.session.get(PurchaseContract, contract_id)
        if row is None or row.deleted:
            raise DomainError("این قرارداد پیدا نشد؛ شاید حذف شده باشد.")
        self._require_owned_county(row.county_id)
        return row

    @requires(Permission.EDIT)
    def edit_contract(self, contract_id: str, data: ContractInput) -> None:
        """Change a contract: its terms, its parties, its deliveries."""
        row = self._contract(contract_id)
        values = self._contract_values(data, [])
        self._save_changes(row, apply_values(row, values, CONTRACT_COLUMNS))

    @requires(Permission.EDIT)
    def delete_contract(self, contract_id: str) -> None:
        """Remove a contract recorded by mistake (a tombstone, synced)."""
        row = self._contract(contract_id)
        touch(self.session, row, apply_values(row, {"deleted": True}, ("deleted",)))
        self.session.flush()
