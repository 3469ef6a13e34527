"""The register's vocabulary: every coded value the database stores, with its Persian label.

One place for each: the models store these values, the services and the views name them
and show their labels (``LicenceStatus.ACTIVE.label`` is «فعال»), the server checks
pushed rows against them (common.rules). Each is a ``StrEnum``, so a member *is* the
text stored in the database and compares equal to it.
"""

from __future__ import annotations

from enum import StrEnum


class Vocabulary(StrEnum):
    """A coded value stored in the database; ``label`` is its Persian name."""

    @property
    def label(self) -> str:
        # Keyed by class and value: members of two vocabularies may share a value
        # ("cancelled" for an event and for a registration) and, being strings, a hash.
        return _LABELS[(type(self), self.value)]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Value → Persian label, for every member, in declaration order."""
        return {member.value: member.label for member in cls}

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored value (the value itself when it is unknown)."""
        return cls.labels().get(value, value)


class LicenceKind(Vocabulary):
    INDEPENDENT = "independent"
    SUPPORTER = "supporter"


class LicenceStatus(Vocabulary):
    """What a clerk set; ``EXPIRED`` is never stored: it is derived from the expiry date."""

    ACTIVE = "active"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


#: The statuses a licence row stores.
STORED_LICENCE_STATUSES = (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED, LicenceStatus.REVOKED)


class Gender(Vocabulary):
    UNKNOWN = ""
    MALE = "M"
    FEMALE = "F"


class HistoryAction(Vocabulary):
    ISSUED = "issued"
    IMPORTED = "imported"
    EDITED = "edited"
    RENEWED = "renewed"
    SUSPENDED = "suspended"
    REACTIVATED = "reactivated"
    REVOKED = "revoked"
    HOLDER_EDITED = "holder_edited"
    #: A clerk resolved a sync conflict by keeping this office's value or typing a new one.
    SYNC_RESOLVED = "sync_resolved"
    #: A certificate printed; a reprint carries "certificate_copy" in its changes.
    CERTIFICATE = "certificate"


class SupporterKind(Vocabulary):
    PERSON = "person"
    LEGAL = "legal"


class SupporterStatus(Vocabulary):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class MemberRole(Vocabulary):
    PRODUCER = "producer"
    TRAINER = "trainer"
    DISTRIBUTOR = "distributor"
    PACKER = "packer"
    SELLER = "seller"
    OTHER = "other"


class EventKind(Vocabulary):
    WORKSHOP = "workshop"
    EXHIBITION = "exhibition"
    BAZAAR = "bazaar"
    PLATFORM = "platform"
    OTHER = "other"


class EventStatus(Vocabulary):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class ParticipantStatus(Vocabulary):
    REGISTERED = "registered"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class CertificateKind(Vocabulary):
    LICENCE = "licence"
    ATTENDANCE = "attendance"
    #: A facility case's referral letter to a bank (app.services.facilities.letters).
    REFERRAL = "referral"


class FacilityStage(Vocabulary):
    """Where a facility case (پرونده تسهیلات) stands: the steps in order, then the two
    ends that close a case early."""

    REQUESTED = "requested"
    REVIEW = "review"
    REFERRED = "referred"
    BANK_FILE = "bank_file"
    GUARANTEE = "guarantee"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Guarantee(Vocabulary):
    """A guarantee (ضمانت) offered for a facility; a case lists several."""

    PROMISSORY_NOTE = "promissory_note"
    EMPLOYEE_GUARANTOR = "employee_guarantor"
    SALARY_DEDUCTION = "salary_deduction"
    CHEQUE = "cheque"
    PROPERTY_DEED = "property_deed"
    GUARANTEE_FUND = "guarantee_fund"
    OTHER = "other"


class RepaymentStatus(Vocabulary):
    """How the holder repays, as the bank last reported it ("" before any report)."""

    UNKNOWN = ""
    ON_TIME = "on_time"
    OVERDUE = "overdue"
    SETTLED = "settled"


# --- market access (app.services.markets) ---


class BuyerKind(Vocabulary):
    """Who buys under a guaranteed-purchase contract (خرید تضمینی)."""

    SUPPORTER = "supporter"
    BANK_PLATFORM = "bank_platform"
    COMPANY = "company"


class SellerKind(Vocabulary):
    """Who sells under a guaranteed-purchase contract: one holder, or a supporter's
    network."""

    HOLDER = "holder"
    NETWORK = "network"


class ContractUnit(Vocabulary):
    """The unit a contract's quantity and unit price are in."""

    PIECE = "piece"
    KILOGRAM = "kg"
    LITRE = "litre"
    METRE = "metre"
    PACK = "pack"
    BOX = "box"


class RecordKind(Vocabulary):
    """What a unit of work changed, as the screens refresh it (never stored): every table
    belongs to one kind (app.services.core.changes), and an operation reports the kinds of
    the tables it wrote."""

    #: Licences, their history, and the people the register knows.
    LICENCES = "licences"
    #: Supporters and their networks.
    SUPPORTERS = "supporters"
    #: Events, participants, attendance and the office's closure days.
    EVENTS = "events"
    #: The certificate issuance log and the keys that sign and verify certificates.
    CERTIFICATES = "certificates"
    #: The office and its settings.
    OFFICE = "office"
    #: Provinces, counties and the business-field catalogue.
    REFERENCE = "reference"
    #: What waits for the server: the outbox, conflicts, number pools.
    SYNC = "sync"
    #: Staff accounts.
    ACCOUNTS = "accounts"
    #: Bank facility cases.
    FACILITIES = "facilities"
    #: Market access: sales channels and guaranteed-purchase contracts.
    MARKETS = "markets"


class Role(Vocabulary):
    """What a staff account may do (app.services.core.access maps roles to permissions)."""

    #: رئیس اداره: everything, including revoking, office settings, accounts, conflicts.
    HEAD = "head"
    #: Registers, edits, renews, suspends, prints, imports; events and supporters.
    CLERK = "clerk"
    #: Looks only: searches and verifies, changes nothing.
    VIEWER = "viewer"


class Permission(Vocabulary):
    """One thing a service command does that a role may or may not do; every writing
    command requires one (app.services.core.access.requires)."""

    REGISTER = "register"
    EDIT = "edit"
    RENEW = "renew"
    SUSPEND = "suspend"
    REVOKE = "revoke"
    PRINT = "print"
    IMPORT = "import"
    EXPORT = "export"
    SUPPORTERS = "supporters"
    EVENTS = "events"
    BACKUP = "backup"
    RESTORE = "restore"
    SYNC = "sync"
    OFFICE_SETTINGS = "office_settings"
    RESOLVE_CONFLICTS = "resolve_conflicts"
    ACCOUNTS = "accounts"
    DEMO = "demo"
    #: Read the audit trail on its screen and export it (``daftar audit verify`` is open
    #: to every account: it only says whether the chain is intact).
    AUDIT = "audit"


class AuditAction(Vocabulary):
    """What an audit entry records (app.services.core.audit). A service command is
    recorded under its permission: every Permission value is also an AuditAction."""

    REGISTER = "register"
    EDIT = "edit"
    RENEW = "renew"
    SUSPEND = "suspend"
    REVOKE = "revoke"
    PRINT = "print"
    IMPORT = "import"
    EXPORT = "export"
    SUPPORTERS = "supporters"
    EVENTS = "events"
    BACKUP = "backup"
    RESTORE = "restore"
    SYNC = "sync"
    OFFICE_SETTINGS = "office_settings"
    RESOLVE_CONFLICTS = "resolve_conflicts"
    ACCOUNTS = "accounts"
    DEMO = "demo"
    AUDIT = "audit"
    #: Not commands: what the system records on its own.
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCK = "lock"
    UNLOCK = "unlock"
    AUTO_BACKUP = "auto_backup"


#: Each member with its label (pairs, not a dict: members of two vocabularies may be equal).
_LABEL_PAIRS: tuple[tuple[Vocabulary, str], ...] = (
    (LicenceKind.INDEPENDENT, "مستقل"),
    (LicenceKind.SUPPORTER, "پشتیبان"),
    (LicenceStatus.ACTIVE, "فعال"),
    (LicenceStatus.EXPIRED, "منقضی"),
    (LicenceStatus.SUSPENDED, "معلق"),
    (LicenceStatus.REVOKED, "باطل"),
    (Gender.UNKNOWN, ""),
    (Gender.MALE, "مرد"),
    (Gender.FEMALE, "زن"),
    (HistoryAction.ISSUED, "صدور"),
    (HistoryAction.IMPORTED, "ورود از فایل"),
    (HistoryAction.EDITED, "ویرایش"),
    (HistoryAction.RENEWED, "تمدید"),
    (HistoryAction.SUSPENDED, "تعلیق"),
    (HistoryAction.REACTIVATED, "رفع تعلیق"),
    (HistoryAction.REVOKED, "ابطال"),
    (HistoryAction.HOLDER_EDITED, "ویرایش مشخصات دارنده"),
    (HistoryAction.SYNC_RESOLVED, "حل تعارض همگام‌سازی"),
    (HistoryAction.CERTIFICATE, "صدور گواهی‌نامه"),
    (SupporterKind.PERSON, "حقیقی"),
    (SupporterKind.LEGAL, "حقوقی"),
    (SupporterStatus.ACTIVE, "فعال"),
    (SupporterStatus.SUSPENDED, "معلق"),
    (MemberRole.PRODUCER, "تولیدکننده"),
    (MemberRole.TRAINER, "آموزش‌دهنده"),
    (MemberRole.DISTRIBUTOR, "توزیع‌کننده"),
    (MemberRole.PACKER, "بسته‌بند"),
    (MemberRole.SELLER, "فروشنده"),
    (MemberRole.OTHER, "سایر"),
    (EventKind.WORKSHOP, "کارگاه آموزشی"),
    (EventKind.EXHIBITION, "نمایشگاه"),
    (EventKind.BAZAAR, "بازارچه فصلی"),
    (EventKind.PLATFORM, "پیوستن به بسترهای فروش"),
    (EventKind.OTHER, "سایر"),
    (EventStatus.PLANNED, "برنامه‌ریزی‌شده"),
    (EventStatus.CANCELLED, "لغوشده"),
    (ParticipantStatus.REGISTERED, "ثبت‌نام‌شده"),
    (ParticipantStatus.WAITING, "در فهرست انتظار"),
    (ParticipantStatus.CANCELLED, "انصراف"),
    (CertificateKind.LICENCE, "گواهی‌نامه مجوز"),
    (CertificateKind.ATTENDANCE, "گواهی حضور"),
    (CertificateKind.REFERRAL, "معرفی‌نامه به بانک"),
    (FacilityStage.REQUESTED, "درخواست"),
    (FacilityStage.REVIEW, "بررسی طرح"),
    (FacilityStage.REFERRED, "معرفی به بانک"),
    (FacilityStage.BANK_FILE, "تشکیل پرونده در بانک"),
    (FacilityStage.GUARANTEE, "تأیید ضمانت"),
    (FacilityStage.APPROVED, "تصویب"),
    (FacilityStage.PAID, "پرداخت"),
    (FacilityStage.REJECTED, "رد"),
    (FacilityStage.WITHDRAWN, "انصراف"),
    (Guarantee.PROMISSORY_NOTE, "سفته"),
    (Guarantee.EMPLOYEE_GUARANTOR, "ضامن کارمند رسمی"),
    (Guarantee.SALARY_DEDUCTION, "گواهی کسر از حقوق"),
    (Guarantee.CHEQUE, "چک"),
    (Guarantee.PROPERTY_DEED, "سند ملکی"),
    (Guarantee.GUARANTEE_FUND, "صندوق ضمانت"),
    (Guarantee.OTHER, "سایر"),
    (RepaymentStatus.UNKNOWN, "گزارش نشده"),
    (RepaymentStatus.ON_TIME, "منظم"),
    (RepaymentStatus.OVERDUE, "معوق"),
    (RepaymentStatus.SETTLED, "تسویه"),
    (RecordKind.LICENCES, "مجوزها"),
    (RecordKind.SUPPORTERS, "پشتیبان‌ها"),
    (RecordKind.EVENTS, "رویدادها"),
    (RecordKind.CERTIFICATES, "گواهی‌نامه‌ها"),
    (RecordKind.OFFICE, "اداره"),
    (RecordKind.REFERENCE, "اطلاعات پایه"),
    (RecordKind.SYNC, "همگام‌سازی"),
    (RecordKind.ACCOUNTS, "حساب‌های کاربری"),
    (RecordKind.FACILITIES, "تسهیلات"),
    (RecordKind.MARKETS, "بازار"),
    (BuyerKind.SUPPORTER, "پشتیبان"),
    (BuyerKind.BANK_PLATFORM, "سکوی بانک همکار"),
    (BuyerKind.COMPANY, "شرکت"),
    (SellerKind.HOLDER, "دارنده مجوز"),
    (SellerKind.NETWORK, "شبکه پشتیبان"),
    (ContractUnit.PIECE, "عدد"),
    (ContractUnit.KILOGRAM, "کیلوگرم"),
    (ContractUnit.LITRE, "لیتر"),
    (ContractUnit.METRE, "متر"),
    (ContractUnit.PACK, "بسته"),
    (ContractUnit.BOX, "جعبه"),
    (Role.HEAD, "مدیر"),
    (Role.CLERK, "کارشناس"),
    (Role.VIEWER, "مشاهده‌گر"),
    (Permission.REGISTER, "صدور مجوز"),
    (Permission.EDIT, "ویرایش مجوز و دارنده"),
    (Permission.RENEW, "تمدید مجوز"),
    (Permission.SUSPEND, "تعلیق و رفع تعلیق"),
    (Permission.REVOKE, "ابطال مجوز"),
    (Permission.PRINT, "چاپ گواهی‌نامه"),
    (Permission.IMPORT, "ورود اطلاعات از فایل"),
    (Permission.EXPORT, "خروجی گرفتن"),
    (Permission.SUPPORTERS, "ثبت و ویرایش پشتیبان‌ها"),
    (Permission.EVENTS, "ثبت و ویرایش رویدادها"),
    (Permission.BACKUP, "پشتیبان‌گیری"),
    (Permission.RESTORE, "بازیابی از پشتیبان"),
    (Permission.SYNC, "همگام‌سازی"),
    (Permission.OFFICE_SETTINGS, "تنظیمات اداره"),
    (Permission.RESOLVE_CONFLICTS, "حل تعارض‌ها و صف همگام‌سازی"),
    (Permission.ACCOUNTS, "مدیریت حساب‌های کاربری"),
    (Permission.DEMO, "ساخت داده نمونه"),
    (Permission.AUDIT, "دیدن ردپای ممیزی"),
    (AuditAction.REGISTER, "ثبت"),
    (AuditAction.EDIT, "ویرایش"),
    (AuditAction.RENEW, "تمدید"),
    (AuditAction.SUSPEND, "تعلیق یا رفع تعلیق"),
    (AuditAction.REVOKE, "ابطال"),
    (AuditAction.PRINT, "چاپ گواهی‌نامه"),
    (AuditAction.IMPORT, "ورود از فایل"),
    (AuditAction.EXPORT, "خروجی"),
    (AuditAction.SUPPORTERS, "پشتیبان‌ها"),
    (AuditAction.EVENTS, "رویدادها"),
    (AuditAction.BACKUP, "پشتیبان‌گیری"),
    (AuditAction.RESTORE, "بازیابی از پشتیبان"),
    (AuditAction.SYNC, "همگام‌سازی"),
    (AuditAction.OFFICE_SETTINGS, "تنظیمات اداره"),
    (AuditAction.RESOLVE_CONFLICTS, "حل تعارض"),
    (AuditAction.ACCOUNTS, "حساب‌های کاربری"),
    (AuditAction.DEMO, "داده نمونه"),
    (AuditAction.AUDIT, "خروجی ردپای ممیزی"),
    (AuditAction.SIGN_IN, "ورود"),
    (AuditAction.SIGN_IN_FAILED, "ورود ناموفق"),
    (AuditAction.LOCK, "قفل شدن"),
    (AuditAction.UNLOCK, "باز کردن قفل"),
    (AuditAction.AUTO_BACKUP, "پشتیبان‌گیری خودکار"),
)

_LABELS: dict[tuple[type[Vocabulary], str], str] = {}
for _member, _label in _LABEL_PAIRS:
    _LABELS[(type(_member), _member.value)] = _label

#: Persian names of the columns of synced rows, for messages and the conflict review.
COLUMN_LABELS: dict[str, str] = {
    "national_id": "کد ملی",
    "first_name": "نام",
    "last_name": "نام خانوادگی",
    "father_name": "نام پدر",
    "birth_date": "تاریخ تولد",
    "gender": "جنسیت",
    "mobile": "تلفن همراه",
    "postal_code": "کد پستی",
    "address": "نشانی",
    "number": "شماره مجوز",
    "unique_id": "شناسه یکتا",
    "person_id": "دارنده مجوز",
    "kind": "نوع",
    "field_id": "رشته",
    "county_id": "شهرستان",
    "activity_address": "نشانی محل فعالیت",
    "issue_date": "تاریخ صدور",
    "expiry_date": "تاریخ انقضا",
    "status": "وضعیت",
    "status_reason": "دلیل وضعیت",
    "licence_id": "مجوز",
    "at": "زمان",
    "actor": "کاربر",
    "action": "اقدام",
    "changes": "تغییرها",
    "reason": "دلیل",
    "serial": "شماره گواهی‌نامه",
    "issued_at": "زمان صدور",
    "duplicate": "المثنی",
    "payload": "کد امضاشده",
    "participant_id": "شرکت‌کننده",
    "legal_name": "نام شخص حقوقی",
    "legal_id": "شناسه ملی",
    "registration_no": "شماره ثبت",
    "related_field_ids": "رشته‌های مرتبط",
    "phone": "تلفن ثابت",
    "email": "ایمیل",
    "sheba": "شماره شبا",
    "capacity": "ظرفیت",
    "supporter_id": "پشتیبان",
    "role": "نقش",
    "joined_on": "تاریخ عضویت",
    "left_on": "تاریخ خروج",
    "leave_reason": "دلیل خروج",
    "override_reason": "دلیل استثنا",
    "code": "کد رویداد",
    "title": "عنوان",
    "field_ids": "رشته‌ها",
    "organiser_supporter_id": "برگزارکننده",
    "venue": "محل برگزاری",
    "start_date": "تاریخ شروع",
    "end_date": "تاریخ پایان",
    "start_time": "ساعت شروع",
    "end_time": "ساعت پایان",
    "instructor": "مدرس",
    "description": "توضیحات",
    "event_id": "رویداد",
    "registered_at": "زمان ثبت‌نام",
    "day": "روز",
    "present": "حضور",
    # facility_case
    "programme": "برنامه تسهیلات",
    "bank_code": "بانک",
    "branch_name": "نام شعبه",
    "branch_code": "کد شعبه",
    "purpose": "موضوع طرح",
    "requested_amount": "مبلغ درخواستی",
    "approved_amount": "مبلغ مصوب",
    "approved_over_reason": "دلیل تصویب بیش از درخواست",
    "disbursed_amount": "مبلغ پرداختی",
    "term_months": "مدت بازپرداخت",
    "rate_bp": "نرخ سود",
    "guarantees": "ضمانت‌ها",
    "stage": "مرحله",
    "requested_on": "تاریخ درخواست",
    "review_on": "تاریخ بررسی طرح",
    "referred_on": "تاریخ معرفی به بانک",
    "bank_file_on": "تاریخ تشکیل پرونده در بانک",
    "guarantee_on": "تاریخ تأیید ضمانت",
    "approved_on": "تاریخ تصویب",
    "paid_on": "تاریخ پرداخت",
    "closed_on": "تاریخ رد یا انصراف",
    "close_reason": "دلیل رد یا انصراف",
    "referral_no": "شماره معرفی‌نامه",
    "repayment_status": "وضعیت بازپرداخت",
    "overdue_instalments": "اقساط معوق",
    "repayment_on": "تاریخ گزارش بازپرداخت",
    # market access
    "platform": "سکوی فروش",
    "shop_name": "نام فروشگاه",
    "shop_url": "نشانی فروشگاه",
    "onboarded_on": "تاریخ پیوستن",
    "active": "فعال",
    "buyer_kind": "نوع خریدار",
    "buyer_supporter_id": "پشتیبان خریدار",
    "buyer_name": "نام خریدار",
    "seller_kind": "نوع فروشنده",
    "seller_person_id": "دارنده مجوز فروشنده",
    "seller_supporter_id": "شبکه فروشنده",
    "product": "کالا",
    "unit": "واحد",
    "quantity": "مقدار",
    "unit_price": "قیمت واحد",
    "deliveries": "تحویل‌ها",
    "over_reason": "دلیل تحویل بیش از قرارداد",
    "booth": "غرفه",
    "sales": "فروش گزارش‌شده",
}
