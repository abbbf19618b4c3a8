"""The actor register: edit, import with preview (CSV in three encodings, XLSX), export, duplicates, tenancy."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from factories import login, make_survey, make_user
from survey.extensions import db
from survey.models import Actor, Invitation, User
from survey.services import invitations as invitation_service

CSV_ROWS = [
    ["Organisation", "Trägerart", "Sektor", "Stadtteile", "Ansprechperson", "E-Mail", "Telefon"],
    ["Familienzentrum Regenbogen", "Freier Träger der Jugendhilfe", "kita", "Nordstadt, Südstadt", "Sabine Krüger",
     "S.Krueger@FZ-Regenbogen.de", "02421 1234"],
    ["Kita Sonnenschein", "kita_traeger", "Kindertagesbetreuung (Kita, Kindertagespflege)", "Oststadt", "",
     "kita@sonne.de", ""],
    ["", "", "", "", "", "ohne-name@x.de", ""],
    ["Jugendzentrum", "", "Zirkus", "Weststadt", "", "jz@kaputt", ""],
]


def _csv(rows, delimiter=";", encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _upload(client, data: bytes, name: str):
    return client.post("/actors/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _kommune_id(app, planner) -> int:
    with app.app_context():
        return db.session.get(User, planner[0]).kommune_id


def test_import_preview_shows_new_update_rejected_and_writes_nothing_until_confirmed(app, planner, planner_client):
    kommune_id = _kommune_id(app, planner)
    with app.app_context():
        db.session.add(Actor(kommune_id=kommune_id, name="Kita Sonnenschein", email="kita@sonne.de"))
        db.session.commit()
    preview = _upload(planner_client, _csv(CSV_ROWS, ";", "cp1252"), "akteure.csv")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 neu" in text and "1 aktualisiert" in text and "2 abgelehnt" in text
    assert "Der Name fehlt." in text and "Sektor „Zirkus“ ist unbekannt." in text
    assert "Stadtteil „Weststadt“ ist unbekannt." in text and "Endung der Domain" in text
    assert "Familienzentrum Regenbogen" in text  # Windows-1252 umlauts decoded
    with app.app_context():
        assert db.session.query(Actor).count() == 1
    rows_json = text.split('name="rows" value="', 1)[1].split('"', 1)[0].replace("&#34;", '"').replace("&amp;", "&")
    confirm = planner_client.post("/actors/import", data={"rows": rows_json, "action": "confirm"})
    assert "Import bestätigen" in confirm.get_data(as_text=True)  # the update is shown before it is written
    with app.app_context():
        assert db.session.query(Actor).count() == 1
    done = planner_client.post("/actors/import", data={"rows": rows_json, "action": "apply"})
    assert done.status_code == 302
    with app.app_context():
        actors = {a.name: a for a in db.session.scalars(sa.select(Actor))}
        assert set(actors) == {"Familienzentrum Regenbogen", "Kita Sonnenschein"}
        fz = actors["Familienzentrum Regenbogen"]
        assert fz.email == "s.krueger@fz-regenbogen.de" and fz.provider_type == "freier_traeger"
        assert fz.sector == "kita" and len(fz.districts) == 2 and fz.contact_name == "Sabine Krüger"
        assert actors["Kita Sonnenschein"].provider_type == "kita_traeger"


def test_import_reads_comma_csv_with_and_without_bom_and_xlsx(app, planner, planner_client):
    rows = [["Name", "E-Mail"], ["Sportverein TuS", "tus@verein.de"]]
    for data, name in [(_csv(rows, ",", "utf-8"), "a.csv"), (_csv(rows, ",", "utf-8-sig"), "b.csv")]:
        text = _upload(planner_client, data, name).get_data(as_text=True)
        assert "1 neu" in text and "Sportverein TuS" in text
    workbook = Workbook()
    for row in [["Name", "Sektor", "E-Mail"], ["Stadtbibliothek", "Kultur", "bib@stadt.de"]]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    text = _upload(planner_client, buffer.getvalue(), "liste.xlsx").get_data(as_text=True)
    assert "1 neu" in text and "Stadtbibliothek" in text


def test_unreadable_import_gets_a_german_message(app, planner, planner_client):
    response = _upload(planner_client, b"Foo;Bar\n1;2\n", "x.csv")
    assert response.status_code == 422 and "Spalte „Name“" in response.get_data(as_text=True)


def test_export_csv_and_xlsx_round_trip_and_neutralise_formulas(app, planner, planner_client):
    kommune_id = _kommune_id(app, planner)
    with app.app_context():
        db.session.add(Actor(kommune_id=kommune_id, name="=HYPERLINK(\"x\")", sector="sport", email="a@b.de"))
        db.session.commit()
    body = planner_client.get("/actors/export.csv").data
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Name" and rows[1][0].startswith("'=") and rows[1][2] == "Sport"
    sheet = load_workbook(io.BytesIO(planner_client.get("/actors/export.xlsx").data)).active
    assert sheet["F2"].value == "a@b.de"


def test_create_edit_keeps_input_on_error(app, planner, planner_client):
    bad = planner_client.post("/actors/new", data={"name": "Kita Regenbogen", "email": "kita@regenbogen"})
    text = bad.get_data(as_text=True)
    assert 'value="Kita Regenbogen"' in text and "keine gültige E-Mail-Adresse" in text
    assert planner_client.post("/actors/new", data={"name": "Kita Regenbogen", "email": "Kita@Regenbogen.de",
                                                    "active": "1"}).status_code == 302
    assert "Kita Regenbogen" in planner_client.get("/actors").get_data(as_text=True)


def test_duplicates_are_found_and_merged_keeping_invitations(app, planner, planner_client, inbox):
    kommune_id = _kommune_id(app, planner)
    with app.app_context():
        a = Actor(kommune_id=kommune_id, name="AWO Kreisverband e. V.", email="info@awo.de")
        b = Actor(kommune_id=kommune_id, name="awo kreisverband", email="", phone="0123")
        c = Actor(kommune_id=kommune_id, name="AWO Jugendwerk", email="INFO@awo.de")
        d = Actor(kommune_id=kommune_id, name="Caritas", email="caritas@c.de")
        db.session.add_all([a, b, c, d])
        db.session.commit()
        survey = make_survey(planner[0])
        invitation_id = invitation_service.invite(survey, "info@awo.de", actor=c)[0].id
        db.session.commit()
        ids = (a.id, b.id, c.id)
    page = planner_client.get("/actors/duplicates").get_data(as_text=True)
    assert "Gruppe 1" in page and "Gruppe 2" not in page and "Caritas" not in page
    confirm = planner_client.post("/actors/duplicates", data={"keep": ids[0], "member": list(ids)})
    assert confirm.status_code == 200 and "Zusammenführen bestätigen" in confirm.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Actor).count() == 4  # nothing merged before the confirmation
    assert planner_client.post("/actors/duplicates", data={"keep": ids[0], "member": list(ids),
                                                            "bestaetigt": "1"}).status_code == 302
    with app.app_context():
        assert db.session.query(Actor).count() == 2
        kept = db.session.get(Actor, ids[0])
        assert kept.phone == "0123" and db.session.get(Invitation, invitation_id).actor_id == kept.id


def test_register_is_scoped_to_the_kommune(app, planner, planner_client):
    kommune_id = _kommune_id(app, planner)
    with app.app_context():
        actor = Actor(kommune_id=kommune_id, name="Geheimer Träger", email="g@t.de")
        db.session.add(actor)
        db.session.commit()
        actor_id = actor.id
    _id, email = make_user(app, "planner", kommune="Stadt Anderswo", email="p@anderswo.example")
    other = login(app.test_client(), email)
    assert other.get(f"/actors/{actor_id}").status_code == 404
    assert "Geheimer Träger" not in other.get("/actors").get_data(as_text=True)
    assert "Geheimer Träger" not in other.get("/actors/export.csv").get_data(as_text=True)
