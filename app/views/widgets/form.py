"""Helpers for forms: a red error label under each input, inputs for digit strings, and
the guard that asks before a form with unsaved edits closes.

:class:`FieldErrors` keeps, for every field code name (``"national_id"``, ``"mobile"`` …),
the input widget and a red, word-wrapped label placed under it. ``show(errors)`` takes
the ``{field: message}`` mapping of
:meth:`common.errors.ValidationErrors.by_field`, shows each message under its
input and marks the input invalid (the dynamic property ``invalid`` that
:data:`INVALID_STYLE` turns into a red border); ``clear()`` hides them all again.

The validation itself lives in the services; these widgets only display its outcome.

:class:`UnsavedGuard` is the one unsaved-changes guard: a form's ``reject`` (Escape,
«انصراف», the close button) asks it :meth:`~UnsavedGuard.may_close` first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QCoreApplication, QObject, QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

#: The dynamic property an input carries while it has an error.
INVALID_PROPERTY = "invalid"
#: Error text colour (Material red 800: readable on white, AA contrast).
ERROR_COLOR = "#c62828"
#: Stylesheet a form sets once (on itself) so that invalid inputs get a red border.
INVALID_STYLE = (
    f'QLineEdit[{INVALID_PROPERTY}="true"], QPlainTextEdit[{INVALID_PROPERTY}="true"],'
    f' QComboBox[{INVALID_PROPERTY}="true"], QAbstractSpinBox[{INVALID_PROPERTY}="true"]'
    f" {{ border: 1px solid {ERROR_COLOR}; border-radius: 3px; padding: 2px; }}"
)
#: Object name of every error label (for tests and stylesheets).
ERROR_LABEL_NAME = "fieldError"


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Set or clear the ``invalid`` property of ``widget`` and re-apply its style."""
    if bool(widget.property(INVALID_PROPERTY)) == invalid:
        return
    widget.setProperty(INVALID_PROPERTY, invalid)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def make_error_label(parent: QWidget | None = None) -> QLabel:
    """A red, word-wrapped label that stays hidden while it has no text."""
    label = QLabel(parent)
    label.setObjectName(ERROR_LABEL_NAME)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def with_error_label(field: QWidget, error: QLabel, *extras: QWidget) -> QWidget:
    """A widget holding ``field`` with ``error`` right under it (for a QFormLayout row).

    ``extras`` (hints, notes) follow under the error label.
    """
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(error)
    for extra in extras:
        layout.addWidget(extra)
    return box


def top_aligned(form: QFormLayout) -> QVBoxLayout:
    """``form`` in a layout that leaves any extra height below it (for group boxes)."""
    layout = QVBoxLayout()
    layout.addLayout(form)
    layout.addStretch(1)
    return layout


_ONE_LINE_HEIGHT: list[int] = []


def _one_line_height() -> int:
    """The height of a one-line input (measured once)."""
    if not _ONE_LINE_HEIGHT:
        probe = QLineEdit()
        _ONE_LINE_HEIGHT.append(probe.sizeHint().height())
        probe.deleteLater()
    return _ONE_LINE_HEIGHT[0]


def make_form_layout() -> QFormLayout:
    """A form layout whose labels stay level with their inputs when errors appear below.

    Labels sit on the leading side (the right in Persian) at the top of their row; use
    :func:`add_field_row` so that each label is as tall as its input.
    """
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)
    form.setVerticalSpacing(6)
    return form


def add_field_row(
    form: QFormLayout,
    text: str,
    field: QWidget,
    error: QLabel,
    *extras: QWidget,
    buddy: QWidget | None = None,
) -> QLabel:
    """Add a row: the label ``text``, then ``field`` with ``error`` (and ``extras``) under it.

    The label is given the input's height so that it lines up with the input, not with
    the middle of input + error. Returns the label.
    """
    label = QLabel(text)
    label.setBuddy(buddy or field)
    label.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
    # As tall as the input, or as one line of input for multi-line fields.
    if isinstance(field, QPlainTextEdit):
        label.setFixedHeight(_one_line_height())
    else:
        label.setFixedHeight(field.sizeHint().height())
    form.addRow(label, with_error_label(field, error, *extras))
    return label


class FieldErrors(QObject):
    """Error labels of a form's fields, by field code name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inputs: dict[str, QWidget] = {}
        self._marked: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._order: list[str] = []

    def add(
        self,
        name: str,
        widget: QWidget,
        *,
        label: QLabel | None = None,
        mark: QWidget | None = None,
    ) -> QLabel:
        """Register the input of field ``name``; returns its error label (to lay out).

        ``label`` reuses an existing label instead of making one; ``mark`` is the widget
        that gets the red border and the focus (default: ``widget`` itself), for inputs
        made of several widgets.
        """
        error = label if label is not None else make_error_label()
        error.setObjectName(ERROR_LABEL_NAME)
        self._inputs[name] = widget
        self._marked[name] = mark if mark is not None else widget
        self._labels[name] = error
        if name not in self._order:
            self._order.append(name)
        return error

    def names(self) -> list[str]:
        """The field names, in the order they were added (the form's reading order)."""
        return list(self._order)

    def label(self, name: str) -> QLabel:
        """The error label of field ``name``."""
        return self._labels[name]

    def input(self, name: str) -> QWidget:
        """The input widget of field ``name``."""
        return self._inputs[name]

    def message(self, name: str) -> str:
        """The error shown for field ``name`` ("" if none)."""
        label = self._labels.get(name)
        return label.text() if label is not None and not label.isHidden() else ""

    def messages(self) -> dict[str, str]:
        """Every error shown, by field name."""
        return {name: self.message(name) for name in self._order if self.message(name)}

    def show(self, errors: Mapping[str, str]) -> list[str]:
        """Show ``errors`` (``{field: message}``) and clear the other fields' errors.

        Returns the names of fields that are not part of this form (their messages
        should be shown some other way), in the order given.
        """
        unknown = [name for name in errors if name not in self._labels]
        for name in self._order:
            self.set_error(name, errors.get(name, ""))
        return unknown

    def set_error(self, name: str, message: str) -> None:
        """Show (or with "" clear) the error of one field."""
        label = self._labels[name]
        label.setText(message)
        label.setVisible(bool(message))
        set_invalid(self._marked[name], bool(message))

    def clear(self, names: Iterable[str] | None = None) -> None:
        """Hide the errors of ``names`` (default: every field)."""
        for name in self._order if names is None else names:
            if name in self._labels:
                self.set_error(name, "")

    def first_invalid(self) -> str | None:
        """The first field (in reading order) that shows an error, or None."""
        for name in self._order:
            if self.message(name):
                return name
        return None

    def focus_first_invalid(self) -> str | None:
        """Move the keyboard focus to the first invalid field; returns its name."""
        name = self.first_invalid()
        if name is not None:
            widget = self._marked[name]
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(widget, QLineEdit):
                widget.selectAll()
        return name


#: Digits of every script the clerks may type, and what separates groups of them.
_DIGIT_INPUT = QRegularExpression("[0-9۰-۹٠-٩+\\- ]*")


class DigitsLineEdit(QLineEdit):
    """A line edit for a digit string (national ID, mobile, postal code).

    Left-to-right (digit strings read the same in every language), aligned to the right
    like the rest of the form, accepting Latin, Persian and Arabic-Indic digits, ``+``,
    ``-`` and spaces. The service normalises what is typed.
    """

    def __init__(
        self, parent: QWidget | None = None, *, max_length: int = 20, placeholder: str = ""
    ) -> None:
        super().__init__(parent)
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setValidator(QRegularExpressionValidator(_DIGIT_INPUT, self))
        self.setMaxLength(max_length)
        if placeholder:
            self.setPlaceholderText(placeholder)
        self.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)


class LatinLineEdit(QLineEdit):
    """A left-to-right line edit for Latin codes (licence number, prefix)."""

    def __init__(self, parent: QWidget | None = None, *, max_length: int = 40) -> None:
        super().__init__(parent)
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMaxLength(max_length)


def show_save_errors(
    parent: QWidget, errors: FieldErrors, general_error: QLabel, exc: BaseException
) -> None:
    """After a failed save: each message under its field (the first one focused), messages
    for fields the form doesn't have in ``general_error``; anything that is not a
    ValidationErrors goes to the error dialog."""
    from app.views.errors import show_error
    from common.errors import ValidationErrors

    if not isinstance(exc, ValidationErrors):
        show_error(parent, exc)
        return
    by_field = exc.by_field()
    unknown = errors.show(by_field)
    if unknown:
        general_error.setText("\n".join(by_field[name] for name in unknown))
        general_error.show()
    errors.focus_first_invalid()


def save_cancel_buttons() -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """A form's «ذخیره» (default) and «انصراف» buttons: (box, save, cancel). The caller
    connects ``box.accepted`` and ``box.rejected``."""
    box = QDialogButtonBox()
    save = box.addButton(
        QCoreApplication.translate("Form", "ذخیره"), QDialogButtonBox.ButtonRole.AcceptRole
    )
    cancel = box.addButton(
        QCoreApplication.translate("Form", "انصراف"), QDialogButtonBox.ButtonRole.RejectRole
    )
    save.setDefault(True)
    return box, save, cancel


class UnsavedGuard:
    """Asks before a form with unsaved edits closes.

    ``snapshot`` returns what the form holds (any comparable value); :meth:`mark_clean`
    records it after the form is filled and after each save. ``busy`` says a save is
    running: the form then stays open (the save decides).
    """

    def __init__(
        self, form: QWidget, snapshot: Callable[[], object], busy: Callable[[], bool]
    ) -> None:
        self._form = form
        self._snapshot = snapshot
        self._busy = busy
        self._clean: object | None = None
        self._filled = False

    def mark_clean(self) -> None:
        """What the form holds now is saved (or was just loaded)."""
        self._clean = self._snapshot()
        self._filled = True

    def is_modified(self) -> bool:
        """True if the clerk changed something since the form was filled or saved."""
        return self._filled and self._snapshot() != self._clean

    def may_close(self) -> bool:
        """False while saving; with unsaved edits, True only if the clerk confirms."""
        from app.views.widgets import messages

        if self._busy():
            return False
        return not self.is_modified() or messages.confirm_discard(self._form)
