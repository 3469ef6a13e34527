"""The wire format (common.protocol): what each side may send, read directly off the models.

The server's answers to malformed requests are tested through the API
(tests/server/test_openapi_fuzz.py); the client's reading of answers through its
transport (tests/services/sync/test_sync_transport.py).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from common.protocol import (
    MAX_BATCH,
    MAX_VALUE_DEPTH,
    HandshakeRequest,
    HandshakeResponse,
    PullResponse,
    PushOperation,
    PushRequest,
)

OP = {
    "op_id": "018f3a52-0000-7000-8000-000000000001",
    "table": "person",
    "row_id": "018f3a52-0000-7000-8000-000000000002",
    "op": "update",
    "base_rev": 1,
    "changes": {"mobile": ["09121234567", "09351112233"]},
}


def test_an_optional_fields_bounds_are_in_the_schema() -> None:
    """Bounds inside the Annotated type of an optional field reach the OpenAPI document
    (outside it, pydantic would check them but not state them)."""
    cursor = HandshakeRequest.model_json_schema()["properties"]["cursor"]
    (bounded,) = (option for option in cursor["anyOf"] if option.get("type") == "integer")
    assert (bounded["minimum"], bounded["maximum"]) == (0, 2**62)
    with pytest.raises(ValidationError):
        HandshakeRequest(
            protocol=1,
            client_schema="0004",
            client_version="0.4",
            client_time="2026-01-01T00:00:00+00:00",  # type: ignore[arg-type]
            cursor=-1,
        )


@pytest.mark.parametrize(
    "change",
    [
        {"base_rev": True},  # a boolean is not a number
        {"base_rev": "1"},  # nor is a string
        {"op": "upsert"},
        {"op_id": "not-a-uuid"},
        {"changes": {"Mobile Phone": [1, 2]}},  # not a column name
        {"changes": {"mobile": [1, 2, 3]}},  # not [old, new]
        {"changes": {"mobile": [None, math.nan]}},
        {"changes": {"mobile": [None, "\ud800"]}},  # a lone surrogate
        {"changes": {f"c{i}": [None, i] for i in range(201)}},
    ],
)
def test_a_push_operation_refuses_what_the_server_cant_store(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PushOperation.model_validate({**OP, **change})


def test_values_nest_only_so_deep() -> None:
    value: Any = "x"
    for _ in range(MAX_VALUE_DEPTH - 2):
        value = [value]
    PushOperation.model_validate({**OP, "changes": {"notes": [None, value]}})
    with pytest.raises(ValidationError):
        PushOperation.model_validate({**OP, "changes": {"notes": [None, [[value]]]}})


def test_a_batch_holds_at_most_max_batch_operations() -> None:
    PushRequest.model_validate({"operations": [OP] * MAX_BATCH})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"operations": [OP] * (MAX_BATCH + 1)})


def test_answers_ignore_fields_a_newer_server_adds() -> None:
    page = PullResponse.model_validate_json(
        '{"changes": [{"table": "person", "id": "p", "rev": 2, "deleted": false,'
        ' "server_seq": 9, "data": {"first_name": "مریم"}, "checksum": "abc"}],'
        ' "cursor": 9, "has_more": false, "horizon": 3}'
    )
    (change,) = page.changes
    assert (change.left_scope, change.merged_into) == (False, None)  # their defaults
    assert change.data == {"first_name": "مریم"}
    with pytest.raises(ValidationError):  # but not one missing
        HandshakeResponse.model_validate({"protocol": 1})
