"""The central catalogue (server.catalogue, ``daftar-server catalogue``): imports add,
rename, retire and reactivate fields, all or nothing, each a new version whose digest
the handshake announces; ``export`` writes what ``import`` reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from common.protocol import PROTOCOL_VERSION
from common.reference import reference_id, reference_rows, reference_version
from server.catalogue import (
    CatalogueError,
    catalogue_state,
    current_digest,
    export_catalogue,
    import_catalogue,
    read_catalogue_file,
)
from server.cli import main
from tests.catalogue_support import catalogue_file, shipped_field_codes
from tests.server_fixtures import Enrolled

HEADER = "code,name,group_code,approving_body,starred,isic,active\n"


def test_before_any_import_the_shipped_catalogue_is_version_0(engine: Engine) -> None:
    with Session(engine) as session:
        state = catalogue_state(session)
        assert state.version == 0
        assert state.digest == reference_version(reference_rows()) == current_digest(session)
        assert len(state.field_ids) == len(shipped_field_codes()) and not state.retired_ids


def test_import_grows_renames_and_retires(engine: Engine) -> None:
    codes = shipped_field_codes()
    retired, renamed = codes[:10], codes[20]
    text = catalogue_file(total=500, retire=retired, rename={renamed: "پرورش زنبور عسل کوهستانی"})
    with Session(engine) as session, session.begin():
        summary = import_catalogue(session, text, source="/tmp/fields-1405.csv")
    assert (summary.version, summary.added, summary.renamed, summary.retired) == (
        1,
        500 - len(codes),
        1,
        10,
    )
    with Session(engine) as session:
        state = catalogue_state(session)
        assert state.version == 1
        assert len(state.field_ids) == 500
        assert state.retired_ids == {reference_id("business_field", code) for code in retired}
        assert current_digest(session) == state.digest != reference_version(reference_rows())
        names = {row["code"]: row["name"] for row in state.tables["business_field"]}
        assert names[renamed] == "پرورش زنبور عسل کوهستانی"
        # Everything else of the reference data is unchanged.
        assert state.tables["county"] == reference_rows()["county"]
        exported = export_catalogue(session)
    assert exported.count("\n") == 501
    with Session(engine) as session, session.begin():
        # The export is a valid import that changes nothing.
        assert not import_catalogue(session, exported).any
        # Reactivating one field is version 2.
        again = HEADER + exported.splitlines()[1 + codes.index(retired[0])][:-1] + "1\n"
        summary = import_catalogue(session, again)
    assert (summary.version, summary.reactivated) == (2, 1)
    with Session(engine) as session:
        assert len(catalogue_state(session).retired_ids) == 9


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code,name\n010001,x\n", "lacks the column(s): group_code, approving_body, starred"),
        (HEADER.replace("isic", "colour"), "unknown column(s): colour"),
        (HEADER, "the file has no rows"),
        (HEADER + "01001,نام,01,صمت,0,,1\n", "line 2: code must be 6 ASCII digits"),
        (HEADER + "019999,نام,08,صمت,0,,1\n", "line 2: group_code '08' is not a field group"),
        (HEADER + "029999,نام,01,صمت,0,,1\n", "does not start with its group_code 01"),
        (HEADER + "019999,,01,صمت,0,,1\n", "line 2: name is empty"),
        (HEADER + "019999,نام,01,شهرداری,0,,1\n", "is not one of the approving bodies"),
        (HEADER + "019999,نام,01,صمت,2,,1\n", "line 2: starred must be 0 or 1"),
        (HEADER + "019999,نام,01,صمت,0,12,1\n", "line 2: isic must be 4 ASCII digits"),
        (
            HEADER + "019999,نام,01,صمت,0,,1\n019999,دیگر,01,صمت,0,,1\n",
            "line 3: code 019999 is also on line 2",
        ),
    ],
)
def test_bad_files_are_refused(text: str, problem: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        read_catalogue_file(text)
    assert any(problem in line for line in caught.value.problems), caught.value.problems


def test_a_bad_file_changes_nothing(engine: Engine) -> None:
    first = shipped_field_codes()[0]
    with Session(engine) as session, session.begin():
        shipped_name = next(
            row["name"] for row in reference_rows()["business_field"] if row["code"] == first
        )
        # Two fields may not end up with one name, whatever the file's order.
        text = HEADER + f"019998,{shipped_name},01,صمت,0,,1\n"
        with pytest.raises(CatalogueError, match="would have the same name"):
            import_catalogue(session, text)
    with Session(engine) as session:
        assert catalogue_state(session).version == 0


def test_handshake_announces_the_new_digest_and_reference_serves_it(
    engine: Engine, client: TestClient, county_office: Enrolled
) -> None:
    hello = {
        "protocol": PROTOCOL_VERSION,
        "client_schema": "0002",
        "client_version": "0.1.0",
        "client_time": dt.datetime.now(dt.UTC).isoformat(),
    }
    before = client.post("/v1/handshake", json=hello, headers=county_office.headers)
    assert before.status_code == 200, before.text
    with Session(engine) as session, session.begin():
        import_catalogue(session, catalogue_file(total=300, retire=shipped_field_codes()[:2]))
    after = client.post("/v1/handshake", json=hello, headers=county_office.headers).json()
    assert after["reference_version"] != before.json()["reference_version"]
    answer = client.get("/v1/reference", headers=county_office.headers).json()
    assert answer["version"] == after["reference_version"]
    assert answer["catalogue_version"] == 1
    fields = answer["tables"]["business_field"]
    assert len(fields) == 300 and sum(not row["active"] for row in fields) == 2


def test_cli_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "server.sqlite3"
    source = tmp_path / "fields.csv"
    source.write_text(catalogue_file(total=260, retire=shipped_field_codes()[:3]), "utf-8")
    assert main(["catalogue", "import", "--db", str(db), str(source)]) == 0
    out = capsys.readouterr().out
    assert "catalogue version 1:" in out and "3 retired" in out
    assert main(["catalogue", "import", "--db", str(db), str(source)]) == 0
    assert "nothing changed: the catalogue stays at version 1" in capsys.readouterr().out
    exported = tmp_path / "out.csv"
    assert main(["catalogue", "export", "--db", str(db), "--out", str(exported)]) == 0
    assert "260 field(s)" in capsys.readouterr().out
    lines = exported.read_text("utf-8").splitlines()
    assert lines[0] == HEADER.strip() and len(lines) == 261
    assert sum(line.endswith(",0") for line in lines) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "01001,نام,01,صمت,0,,1\n", "utf-8")
    assert main(["catalogue", "import", "--db", str(db), str(bad)]) == 2
