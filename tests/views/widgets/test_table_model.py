"""ColumnTableModel: every role a view asks for comes from the declared columns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor

from app.views.widgets.table_model import (
    ROW_ID_ROLE,
    SORT_ROLE,
    Column,
    ColumnTableModel,
    display_text,
)

RED = QColor("#b91c1c")
GREY = QColor("#6b7280")


@dataclass(frozen=True)
class Item:
    id: str
    code: str
    name: str
    count: int
    day: dt.date | None
    active: bool = True


def make_model() -> ColumnTableModel[Item]:
    return ColumnTableModel(
        (
            Column("کد", lambda r: r.code, digits=True, sort_key=lambda r: int(r.code)),
            Column("نام", lambda r: r.name, elided=True),
            Column(
                "تعداد",
                lambda r: r.count,
                align=Qt.AlignmentFlag.AlignCenter,
                foreground=lambda r: RED if r.count > 10 else None,
                header_tooltip="چند تا",
            ),
            Column("روز", lambda r: r.day, empty="—", tooltip=lambda r: "روز کار"),
        ),
        row_id=lambda r: r.id,
        row_foreground=lambda r: None if r.active else GREY,
        row_tooltip=lambda r: None if r.active else "غیرفعال",
        row_bold=lambda r: r.count > 10,
    )


ROWS = [
    Item("a", "120", "کارگاه بسته‌بندی محصولات", 12, dt.date(2026, 3, 21)),
    Item("b", "9", "نمایشگاه", 3, None, active=False),
]


def test_display_text() -> None:
    assert display_text(dt.date(2026, 3, 21)) == "۱۴۰۵/۰۱/۰۱"
    assert display_text(1234) == "۱۲۳۴"
    assert display_text("0612-000001") == "0612-000001"
    assert display_text("0612-000001", digits=True) == "۰۶۱۲-۰۰۰۰۰۱"
    assert display_text(None, empty="—") == "—"
    assert display_text(True) == "True"  # not a number


def test_roles_come_from_the_columns() -> None:
    model = make_model()
    model.set_rows(ROWS)
    assert (model.rowCount(), model.columnCount()) == (2, 4)
    assert [model.text(0, c) for c in range(4)] == [
        "۱۲۰",
        "کارگاه بسته‌بندی محصولات",
        "۱۲",
        "۱۴۰۵/۰۱/۰۱",
    ]
    assert model.text(1, 3) == "—"
    index = model.index
    assert model.data(index(0, 2), Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignCenter
    )
    assert model.data(index(0, 0), Qt.ItemDataRole.TextAlignmentRole) is None
    # A column's colour first, then the row's.
    assert model.data(index(0, 2), Qt.ItemDataRole.ForegroundRole) == RED
    assert model.data(index(0, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(index(1, 2), Qt.ItemDataRole.ForegroundRole) == GREY
    # Tooltips: the column's, the whole text of an elided column, then the row's.
    assert model.data(index(0, 3), Qt.ItemDataRole.ToolTipRole) == "روز کار"
    assert model.data(index(0, 1), Qt.ItemDataRole.ToolTipRole) == ROWS[0].name
    assert model.data(index(0, 0), Qt.ItemDataRole.ToolTipRole) is None
    assert model.data(index(1, 0), Qt.ItemDataRole.ToolTipRole) == "غیرفعال"
    assert [model.data(index(r, 0), ROW_ID_ROLE) for r in range(2)] == ["a", "b"]
    assert model.data(index(0, 1), Qt.ItemDataRole.FontRole).bold()
    assert model.data(index(1, 1), Qt.ItemDataRole.FontRole) is None
    assert model.data(index(0, 0), SORT_ROLE) == 120
    assert model.data(index(0, 3), SORT_ROLE) == dt.date(2026, 3, 21)
    assert model.data(index(2, 0)) is None  # no such row


def test_headers() -> None:
    model = make_model()
    model.set_rows(ROWS)
    horizontal = Qt.Orientation.Horizontal
    assert [model.headerData(c, horizontal) for c in range(4)] == ["کد", "نام", "تعداد", "روز"]
    assert model.headerData(2, horizontal, Qt.ItemDataRole.ToolTipRole) == "چند تا"
    assert model.headerData(0, horizontal, Qt.ItemDataRole.ToolTipRole) is None
    assert model.headerData(4, horizontal) is None
    assert model.headerData(1, Qt.Orientation.Vertical) == "۲"
    assert model.headerData(2, Qt.Orientation.Vertical) is None


def test_a_proxy_sorts_by_the_sort_keys(qtmodeltester: Any) -> None:
    model = make_model()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    model.set_rows(ROWS)
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(2)] == ["۹", "۱۲۰"]  # 9 < 120
    model.append_rows([Item("c", "50", "بازارچه", 0, dt.date(2026, 4, 1))])
    assert [proxy.index(r, 0).data() for r in range(3)] == ["۹", "۵۰", "۱۲۰"]
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    model.set_rows([])
    qtmodeltester.check(model)
