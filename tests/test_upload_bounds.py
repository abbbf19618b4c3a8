"""Uploaded tables are read within bounds: bombs and broken files get a German message, never a 500."""

from __future__ import annotations

import html
import io
import zipfile

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from survey.extensions import db
from survey.models import Actor
from survey.services import table_upload
from survey.services.table_upload import UploadError, read_table


def upload(client, data: bytes, name: str):
    return client.post("/actors/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_huge_cell(megabytes: int) -> bytes:
    """A small XLSX whose one cell unpacks to `megabytes` MB (the attack of the issue)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            data = source.read(part)
            if part.filename != "xl/worksheets/sheet1.xml":
                target.writestr(part, data)
                continue
            head, tail = data.split(b"<t>x</t>")
            with target.open(part.filename, "w") as stream:
                stream.write(head + b"<t>")
                for _ in range(megabytes):
                    stream.write(b"A" * 1024 * 1024)
                stream.write(b"</t>" + tail)
    return out.getvalue()


def message(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_small_xlsx_that_unpacks_to_60_mb_is_refused_before_unpacking(planner_client):
    bomb = with_huge_cell(60)
    assert len(bomb) < 200_000
    response = upload(planner_client, bomb, "akteure.xlsx")
    assert response.status_code == 422
    assert "entpackt zu groß (60 MB; erlaubt sind 50 MB)" in message(response)
    # Under the size limit but packed like a bomb: the message names that, not the size.
    response = upload(planner_client, with_huge_cell(40), "akteure.xlsx")
    assert response.status_code == 422
    assert "ungewöhnlich stark gepackte" in message(response) and "entpackt zu groß" not in message(response)


def test_too_many_rows_columns_or_characters_are_named(planner_client):
    rows = [["Name"]] + [[f"Träger {n}"] for n in range(table_upload.MAX_ROWS + 1)]
    assert "mehr als 5.000 Zeilen" in message(upload(planner_client, xlsx(rows), "a.xlsx"))
    wide = [["Name"] + [f"S{n}" for n in range(table_upload.MAX_COLUMNS + 5)]]
    assert "Zeile 1 hat 56 Spalten" in message(upload(planner_client, xlsx(wide), "a.xlsx"))
    long_cell = "Name;Notizen\r\nKita;" + "x" * (table_upload.MAX_CELL + 1) + "\r\n"
    assert "Zeile 2, Spalte 2 enthält 5.001 Zeichen" in message(upload(planner_client, long_cell.encode(), "a.csv"))
    beyond_csv_limit = "Name;Notizen\r\nKita;\"" + "x" * 200_000 + "\"\r\n"
    response = upload(planner_client, beyond_csv_limit.encode(), "a.csv")
    assert response.status_code == 422 and "Bitte speichern Sie" in message(response)


def test_bare_cr_line_ends_and_nul_bytes_are_read(app, planner_client):
    """Old Mac Excel ends lines with CR alone; that answered 500 before."""
    response = upload(planner_client, b"Name;E-Mail\rKita Sonne\x00nschein;kita@sonne.de\rJugendzentrum;jz@stadt.de\r",
                      "akteure.csv")
    assert response.status_code == 200
    assert "2 neu" in message(response) and "Kita Sonnenschein" in message(response)


def test_preview_is_paginated_and_the_import_takes_every_row(app, planner_client):
    rows = "Name\r\n" + "".join(f"Träger Nummer {n:03d}\r\n" for n in range(250))
    first = upload(planner_client, rows.encode(), "akteure.csv")
    text = message(first)
    assert "250 neu" in text and "Zeilen 2–101 · Seite 1 von 3" in text
    table = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Träger Nummer 000" in table and "Träger Nummer 099" in table and "Träger Nummer 100" not in table
    raw = first.get_data(as_text=True)
    rows_json = html.unescape(raw.split('name="rows" value="', 1)[1].split('"', 1)[0])
    second = planner_client.post("/actors/import", data={"rows": rows_json, "seite": "2"})
    assert "Zeilen 102–201 · Seite 2 von 3" in message(second) and "Träger Nummer 100" in message(second)
    done = planner_client.post("/actors/import", data={"rows": rows_json, "action": "confirm"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 250


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.txt"]))
def test_any_bytes_give_rows_or_a_german_message(raw, name):
    try:
        rows = read_table(name, raw)
    except UploadError as error:
        assert str(error).startswith(("Die ", "Alte ", "Zeile "))
    else:
        assert all(isinstance(cell, str) and "\x00" not in cell for row in rows for cell in row)
