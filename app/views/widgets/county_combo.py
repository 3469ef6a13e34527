"""The county chooser of every form that creates or moves a record with a county.

It offers only the counties of the office's scope (:func:`app.services.core.scope.scope_counties`:
a county office's own county, a province office's counties), so a clerk is never offered
a county the services would refuse. A county office has exactly one: it is chosen and
the chooser disabled (there is nothing to choose). A record already lying outside the
scope (one that synced in, or was saved before scope was enforced) is shown as it is,
marked «بیرون از حوزهٔ این اداره», with the chooser enabled so the clerk can correct it;
the service refuses to save it there, with its reason beside the field.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app.services.core.reference import CountyInfo
from app.views.widgets.search_combo import VALUE_ROLE, SearchCombo


def _tr(text: str) -> str:
    return QCoreApplication.translate("CountyCombo", text)


class CountyCombo(SearchCombo):
    """A :class:`SearchCombo` of the office's counties."""

    def __init__(self, parent: QWidget | None = None, *, placeholder: str = "") -> None:
        super().__init__(parent, placeholder=placeholder or _tr("نام شهرستان را بنویسید…"))
        self.scope_ids: tuple[str, ...] = ()

    def set_counties(self, counties: Sequence[CountyInfo], default: str | None = None) -> None:
        """Offer ``counties`` (the office's scope) and choose ``default`` if it is one of
        them; a single county is chosen whatever ``default`` says, and locked."""
        self.item_model.clear()
        self.scope_ids = tuple(county.id for county in counties)
        for county in counties:
            self.add_item(county.name, county.id)
        if len(counties) == 1:
            self.set_value(counties[0].id)
            self.setEnabled(False)
            self.setToolTip(
                _tr("این اداره فقط در شهرستان {county} کار می‌کند.").format(county=counties[0].name)
            )
        else:
            self.set_value(default if default in self.scope_ids else None)
            self.setEnabled(True)
            self.setToolTip("")

    def show_county(self, county_id: str, county_name: str) -> None:
        """Choose a record's county; one outside the scope is added, marked, and the
        chooser enabled so that the clerk can move the record into the scope."""
        if county_id in self.scope_ids:
            self.set_value(county_id)
            return
        if self.findData(county_id, VALUE_ROLE) < 0:
            self.add_item(
                _tr("{county} (بیرون از حوزهٔ این اداره)").format(county=county_name),
                county_id,
                county_name,
            )
        self.set_value(county_id)
        self.setEnabled(True)
        self.setToolTip(_tr("شهرستان این پرونده بیرون از حوزهٔ این اداره است."))
