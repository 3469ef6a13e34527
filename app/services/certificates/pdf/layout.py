"""The certificates' adjustable look, in one place: :class:`CertificateStyle`.

An office changes its certificates without touching code by editing a JSON file (the
certificate service decides where it lives: next to the database). The application
ships the defaults in ``resources/certificates/style.json``. Every key is optional; a
missing file or a missing key takes the default below. Unknown keys are logged (a typo
should not pass silently); a value of the wrong type is a :class:`StyleError`.

Keys (JSON object):

``title``
    Title of the licence certificate (default «مجوز کسب‌وکار خانگی»; an office may use
    «مجوز مشاغل خانگی»).
``attendance_title``
    Title of the attendance certificate (default «گواهی حضور در کارگاه»).
``invocation``
    The line above the header (default «بسمه تعالی»; "" to leave it out).
``country_line``, ``ministry_line``
    The first two header lines («جمهوری اسلامی ایران», «وزارت تعاون، کار و رفاه اجتماعی»).
``province_office_line``
    Third header line, with ``{province}`` (default «اداره کل تعاون، کار و رفاه اجتماعی
    استان {province}»).
``county_office_line``
    Fourth header line, printed when the office is a county office, with ``{county}``.
``logo``
    Path of the office logo (PNG or JPEG), relative to the JSON file's folder or absolute;
    null or "" for none. A missing or unreadable file is skipped with a logged warning.
``signatory_name``, ``signatory_title``
    Who signs (e.g. «علی رضایی», «مدیر اداره تعاون، کار و رفاه اجتماعی شهرستان تهران»).
``frame_color``, ``title_color``, ``accent_color``, ``label_color``, ``text_color``,
``grid_color``, ``duplicate_color``
    Colours as ``"#RRGGBB"``: the page frame; the title and header; ornaments, rules and
    section bars; field labels; field values; the field grid's lines; the «المثنی» stamp.
``margin_mm``
    Distance from the paper's edge to the frame in millimetres (default 10, at most 20).
``header_size``, ``title_size``, ``label_size``, ``value_size``, ``small_size``,
``min_size``
    Font sizes in points (at most 16, 32, 14, 16, 12 and 10): header lines, title, field
    labels, field values, small print (serial, QR hint), and the smallest size long
    values may shrink to. Larger sizes make the field grid shrink to the room left.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.errors import DomainError
from common.resources import resources_dir

log = logging.getLogger("daftar.pdf")

_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class StyleError(DomainError):
    """The office's certificate style file cannot be used (message names file and key)."""


@dataclass(frozen=True)
class CertificateStyle:
    """How certificates look; see the module docstring for the JSON keys."""

    title: str = "مجوز کسب‌وکار خانگی"
    attendance_title: str = "گواهی حضور در کارگاه"
    invocation: str = "بسمه تعالی"
    country_line: str = "جمهوری اسلامی ایران"
    ministry_line: str = "وزارت تعاون، کار و رفاه اجتماعی"
    province_office_line: str = "اداره کل تعاون، کار و رفاه اجتماعی استان {province}"
    county_office_line: str = "اداره تعاون، کار و رفاه اجتماعی شهرستان {county}"
    logo: Path | None = None
    signatory_name: str = ""
    signatory_title: str = ""
    frame_color: str = "#1B3A5C"
    title_color: str = "#12355B"
    accent_color: str = "#A8843A"
    label_color: str = "#3B5573"
    text_color: str = "#1A1A1A"
    grid_color: str = "#B9C6D4"
    duplicate_color: str = "#B3261E"
    margin_mm: float = 10.0
    header_size: float = 12.0
    title_size: float = 24.0
    label_size: float = 9.5
    value_size: float = 11.5
    small_size: float = 8.5
    min_size: float = 6.0


_TEXT_KEYS = (
    "title",
    "attendance_title",
    "invocation",
    "country_line",
    "ministry_line",
    "province_office_line",
    "county_office_line",
    "signatory_name",
    "signatory_title",
)
_COLOR_KEYS = (
    "frame_color",
    "title_color",
    "accent_color",
    "label_color",
    "text_color",
    "grid_color",
    "duplicate_color",
)
_SIZE_KEYS = (
    "margin_mm",
    "header_size",
    "title_size",
    "label_size",
    "value_size",
    "small_size",
    "min_size",
)
#: Upper bounds that keep a page usable (the grid shrinks to what room is left).
_SIZE_LIMITS = {
    "margin_mm": 20.0,
    "header_size": 16.0,
    "title_size": 32.0,
    "label_size": 14.0,
    "value_size": 16.0,
    "small_size": 12.0,
    "min_size": 10.0,
}


def default_style_path() -> Path:
    """The style file shipped with the application."""
    return resources_dir() / "certificates" / "style.json"


def _error(path: Path, key: str, what: str) -> StyleError:
    return StyleError(f"در پرونده ظاهر گواهی ({path}) مقدار «{key}» {what}.")


def _read_file(path: Path) -> dict[str, Any]:
    """The style file's JSON object; StyleError when it is unreadable or not an object."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StyleError(
            f"پرونده ظاهر گواهی ({path}) خوانده نشد یا JSON معتبر نیست: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise StyleError(f"پرونده ظاهر گواهی ({path}) باید یک شیء JSON باشد.")
    return data


def _text(path: Path, key: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _error(path, key, "باید متن باشد")
    return value


def _color(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not _COLOR.fullmatch(value):
        raise _error(path, key, "باید رنگی به شکل #1B3A5C باشد")
    return value


def _size(path: Path, key: str, value: Any) -> float:
    limit = _SIZE_LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(path, key, "باید عدد باشد")
    if not 0 < value <= limit:
        raise _error(path, key, f"باید بزرگ‌تر از صفر و حداکثر {limit:g} باشد")
    return float(value)


def _logo(path: Path, value: Any) -> Path | None:
    """The logo's path (a relative one is the style file's neighbour); None for none."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _error(path, "logo", "باید مسیر یک پرونده تصویر باشد")
    logo_path = Path(value).expanduser()
    return logo_path if logo_path.is_absolute() else path.parent / logo_path


def load_style(path: Path | None) -> CertificateStyle:
    """Read a style file; a missing file (or None) or missing keys give the defaults.

    Raises :class:`StyleError` (Persian) when the file is not a JSON object or a value
    has the wrong type; a relative ``logo`` is resolved against the file's folder.
    """
    if path is None or not path.is_file():
        if path is not None:
            log.info("certificate style %s not found: using the defaults", path)
        return CertificateStyle()
    data = _read_file(path)
    known = {f.name for f in dataclasses.fields(CertificateStyle)}
    for key in sorted(set(data) - known):
        log.warning("certificate style %s: unknown key %r ignored", path, key)
    readers: list[tuple[tuple[str, ...], Callable[[Path, str, Any], object]]] = [
        (_TEXT_KEYS, _text),
        (_COLOR_KEYS, _color),
        (_SIZE_KEYS, _size),
    ]
    values: dict[str, Any] = {
        key: read(path, key, data[key]) for keys, read in readers for key in keys if key in data
    }
    for key, placeholder in (
        ("province_office_line", "province"),
        ("county_office_line", "county"),
    ):
        if key in values:
            try:
                values[key].format(**{placeholder: ""})
            except (KeyError, IndexError, ValueError) as exc:
                raise _error(path, key, f"فقط می‌تواند {{{placeholder}}} داشته باشد") from exc
    if "logo" in data:
        values["logo"] = _logo(path, data["logo"])
    return CertificateStyle(**values)
