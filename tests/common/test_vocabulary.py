"""The vocabulary: every coded value with its Persian label, in one place."""

from __future__ import annotations

import pytest

from common import vocabulary as v

VOCABULARIES = [
    cls for cls in vars(v).values() if isinstance(cls, type) and issubclass(cls, v.Vocabulary)
]


@pytest.mark.parametrize("cls", [c for c in VOCABULARIES if c is not v.Vocabulary])
def test_every_value_has_a_label(cls: type[v.Vocabulary]) -> None:
    for member in cls:
        assert isinstance(member.label, str)
        assert member.label or cls is v.Gender  # only the unknown gender is blank
        assert cls.label_of(member.value) == member.label
    assert list(cls.labels()) == [member.value for member in cls]


def test_equal_values_of_two_vocabularies_keep_their_own_labels() -> None:
    assert v.EventStatus.CANCELLED == v.ParticipantStatus.CANCELLED == "cancelled"
    assert v.EventStatus.CANCELLED.label == "لغوشده"
    assert v.ParticipantStatus.CANCELLED.label == "انصراف"
    assert (v.LicenceStatus.REVOKED.label, v.HistoryAction.REVOKED.label) == ("باطل", "ابطال")


def test_members_are_the_stored_text() -> None:
    assert v.LicenceStatus("suspended") is v.LicenceStatus.SUSPENDED
    assert f"{v.LicenceKind.SUPPORTER}" == "supporter"
    assert v.LicenceStatus.label_of("unknown") == "unknown"
    assert v.LicenceStatus.EXPIRED not in v.STORED_LICENCE_STATUSES
