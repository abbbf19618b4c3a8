"""The register import as a planner uses it: everyday words, the valid values, every column, skipped rows,
matching by Verzeichnis-Nr. or e-mail (never silently by name), updates confirmed old → new, no 0-row import."""

from __future__ import annotations

import html
import io
import json
import re

import sqlalchemy as sa

from questionnaires.loader import load_catalogue
from questionnaires.synonyms import load_synonyms, normalised_word
from survey.extensions import db
from survey.models import Actor, AuditEntry, User


def _upload(client, text: str):
    return client.post("/actors/import", data={"file": (io.BytesIO(text.encode()), "akteure.csv")},
                       content_type="multipart/form-data")


def _page(response) -> str:
    """The page as a reader sees it: tags gone, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _rows(response) -> str:
    return html.unescape(response.get_data(as_text=True).split('name="rows" value="', 1)[1].split('"', 1)[0])


def _kommune_id(app, planner) -> int:
    with app.app_context():
        return db.session.get(User, planner[0]).kommune_id


def _actors(app) -> dict[str, Actor]:
    with app.app_context():
        return {a.name: a for a in db.session.scalars(sa.select(Actor))}


def test_everyday_sector_and_provider_words_are_understood_and_unknown_ones_list_the_valid_values(
        app, planner, planner_client):
    csv = ("Name;Sektor;Trägerart\nJugendtreff Mitte;Jugendhilfe;AWO\nKita Eving;Kindertagesstätte;Kita-Träger\n"
           "Gesundheitsamt;Gesundheitswesen;Öffentlicher Träger\nZirkus Rondo;Zirkus;Zauberer\n")
    preview = _upload(planner_client, csv)
    page = _page(preview)
    assert "3 neu" in page and "1 abgelehnt" in page
    assert "→ Kinder- und Jugendhilfe" in page and "→ Kindertagesbetreuung (Kita, Kindertagespflege)" in page
    assert "→ Gesundheit und Gesundheitsförderung" in page and "→ Wohlfahrtsverband" in page
    assert "Sektor „Zirkus“ ist unbekannt. Möglich sind: Kinder- und Jugendhilfe; Frühe Hilfen;" in page
    assert "Trägerart „Zauberer“ ist unbekannt. Möglich sind: Öffentlicher Träger (Kommune, Kreis, Land);" in page
    assert planner_client.post("/actors/import", data={"rows": _rows(preview), "action": "confirm"}).status_code == 302
    actors = _actors(app)
    assert actors["Jugendtreff Mitte"].sector == "kinder_jugendhilfe"
    assert actors["Jugendtreff Mitte"].provider_type == "wohlfahrtsverband"
    assert actors["Kita Eving"].sector == "kita" and actors["Gesundheitsamt"].sector == "gesundheit"
    assert "Zirkus Rondo" not in actors


def test_every_synonym_names_an_option_of_its_list_and_no_word_means_two():
    catalogue = load_catalogue()
    table = load_synonyms("questionnaires/data", catalogue.lists)
    assert table["sektoren"][normalised_word("Jugendhilfe")] == "kinder_jugendhilfe"
    broken = {"sektoren": tuple(o for o in catalogue.lists["sektoren"] if o.code != "kita")}
    try:
        load_synonyms("questionnaires/data", broken | {"traegerarten": catalogue.lists["traegerarten"]})
    except ValueError as error:
        assert "„kita“ ist keine Option der Liste „sektoren“" in str(error)
    else:
        raise AssertionError("a synonym of a missing option was accepted")


def test_the_preview_shows_every_column_of_the_file(app, planner, planner_client):
    csv = ("Name;Trägerart;Sektor;Stadtteile;Ansprechperson;E-Mail;Telefon;Funktion;Notizen;Aktiv\n"
           "Familienzentrum Nord;Verein;Sport;Nordstadt;Mia Sommer;mia@fz-nord.de;0231 55;Leitung;Mo–Fr;ja\n")
    table = _upload(planner_client, csv).get_data(as_text=True).split("<table", 1)[1].split("</table>", 1)[0]
    for header in ("Trägerart", "Sektor", "Stadtteile", "Ansprechperson", "E-Mail", "Telefon", "Funktion",
                   "Notizen", "Aktiv"):
        assert f">{header}</th>" in table
    for value in ("Verein", "Sport", "Nordstadt", "Mia Sommer", "mia@fz-nord.de", "0231 55", "Leitung", "Mo–Fr"):
        assert f">{value}" in table


def test_a_district_column_headed_with_the_kommunes_spatial_word_is_read(app, planner, planner_client):
    # The preview names the column by the Kommune's word ("Stadtbezirke"); a file headed "Stadtbezirk" was
    # silently left without its districts.
    for header in ("Stadtbezirk", "Stadtbezirke", "Quartier", "Planungsraum"):
        table = _upload(planner_client, f"Name;{header}\nKita Sonne;Nordstadt\n").get_data(as_text=True)
        assert ">Nordstadt" in table.split("<table", 1)[1].split("</table>", 1)[0], header


def test_a_skipped_row_is_not_written(app, planner, planner_client):
    preview = _upload(planner_client, "Name;E-Mail\nKita Sonne;kita@sonne.de\nKita Mond;kita@mond.de\n")
    assert 'name="auslassen" value="3"' in preview.get_data(as_text=True)
    done = planner_client.post("/actors/import", data={"rows": _rows(preview), "auslassen": "3", "action": "confirm"})
    assert done.status_code == 302
    assert set(_actors(app)) == {"Kita Sonne"}
    assert "1 neuer Eintrag, 0 aktualisiert, 1 Zeile ausgelassen." in _page(planner_client.get("/actors"))


def test_a_name_match_is_only_a_suggestion_and_updates_nothing_unless_chosen(app, planner, planner_client):
    kommune_id = _kommune_id(app, planner)
    with app.app_context():
        db.session.add(Actor(kommune_id=kommune_id, name="Kita Sonnenschein e.V.", email="leitung@sonne.de",
                             phone="0231 1"))
        db.session.commit()
    csv = "Name;E-Mail;Telefon\nKita Sonnenschein e. V.;info@andere-sonne.de;0999 9\nJugendzentrum;jz@stadt.de;\n"
    preview = _upload(planner_client, csv)
    page = _page(preview)
    assert "Möglicherweise dasselbe wie „Kita Sonnenschein e.V.“" in page and "1 möglicherweise vorhanden" in page
    rows = _rows(preview)
    # Taken as it is: the new row is written, the same-named entry keeps its address and phone.
    assert planner_client.post("/actors/import", data={"rows": rows, "action": "confirm"}).status_code == 302
    actors = _actors(app)
    kept = actors["Kita Sonnenschein e.V."]
    assert kept.email == "leitung@sonne.de" and kept.phone == "0231 1"
    assert "Kita Sonnenschein e. V." not in actors and "Jugendzentrum" in actors
    # Chosen explicitly: the update is shown old → new first, then written.
    confirm = planner_client.post("/actors/import", data={"rows": rows, "wahl-2": "update", "auslassen": "3",
                                                          "action": "confirm"})
    page = _page(confirm)
    assert "Import bestätigen" in page and "erkannt über Name (gewählt)" in page
    assert "E-Mail leitung@sonne.de info@andere-sonne.de" in page and "Telefon 0231 1 0999 9" in page
    assert _actors(app)["Kita Sonnenschein e.V."].email == "leitung@sonne.de"
    assert 'name="wahl-2" value="update"' in confirm.get_data(as_text=True)
    assert planner_client.post("/actors/import", data={"rows": rows, "wahl-2": "update", "auslassen": "3",
                                                       "action": "apply"}).status_code == 302
    assert _actors(app)["Kita Sonnenschein e. V."].email == "info@andere-sonne.de"  # the file's spelling too


def test_rows_match_by_register_number_or_e_mail_and_updates_are_confirmed(app, planner, planner_client):
    kommune_id = _kommune_id(app, planner)
    with app.app_context():
        first = Actor(kommune_id=kommune_id, name="Jugendtreff Mitte", email="treff@stadt.de", sector="sport")
        second = Actor(kommune_id=kommune_id, name="Stadtbibliothek", email="bib@stadt.de")
        db.session.add_all([first, second])
        db.session.commit()
        first_id = first.id
    csv = (f"Verzeichnis-Nr.;Name;Sektor;E-Mail\n{first_id};Jugendtreff Mitte (neu);Jugendhilfe;treff@stadt.de\n"
           ";Bücherei der Stadt;Kultur;bib@stadt.de\n999999;Unbekannt;;\n")
    preview = _upload(planner_client, csv)
    page = _page(preview)
    assert "2 aktualisieren einen vorhandenen Eintrag" in page
    assert "→ Jugendtreff Mitte (Verzeichnis-Nr.)" in page and "→ Stadtbibliothek (E-Mail)" in page
    assert "Die Verzeichnis-Nr. „999999“ gibt es in Ihrem Verzeichnis nicht." in page
    confirm = _page(planner_client.post("/actors/import", data={"rows": _rows(preview), "action": "confirm"}))
    assert "2 vorhandene Einträge werden geändert" in confirm
    assert "Name Jugendtreff Mitte Jugendtreff Mitte (neu)" in confirm
    assert "Sektor Sport Kinder- und Jugendhilfe" in confirm
    assert "Name Stadtbibliothek Bücherei der Stadt" in confirm and "Sektor – Kultur" in confirm
    assert "Stadtbibliothek" in _actors(app)  # nothing written yet
    assert planner_client.post("/actors/import", data={"rows": _rows(preview), "action": "apply"}).status_code == 302
    actors = _actors(app)
    assert actors["Jugendtreff Mitte (neu)"].sector == "kinder_jugendhilfe"
    assert actors["Bücherei der Stadt"].sector == "kultur"
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "actor.imported")).one()
        assert "0 neu, 2 aktualisiert, 1 abgelehnt" in entry.description


def test_an_import_that_would_write_no_row_is_refused(app, planner, planner_client):
    header_only = _upload(planner_client, "Name;E-Mail\n")
    assert header_only.status_code == 422 and "nur die Kopfzeile" in _page(header_only)
    nothing = _upload(planner_client, "Name;Sektor\nZirkus;Zirkus\n")
    assert "Nichts zu übernehmen" in _page(nothing) and "disabled" in nothing.get_data(as_text=True)
    refused = planner_client.post("/actors/import", data={"rows": _rows(nothing), "action": "confirm"})
    assert refused.status_code == 422 and "Es wird keine Zeile übernommen." in _page(refused)
    skipped = _upload(planner_client, "Name\nKita Sonne\n")
    all_out = planner_client.post("/actors/import", data={"rows": _rows(skipped), "auslassen": "2", "action": "apply"})
    page = _page(all_out)
    assert all_out.status_code == 422 and "Es wird keine Zeile übernommen." in page
    assert 'value="2" id="auslassen-2" checked' in all_out.get_data(as_text=True)  # the choice is kept
    assert _actors(app) == {}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "actor.imported")) == 0


def test_skip_choices_on_other_preview_pages_are_kept(app, planner, planner_client):
    rows = [["Name"]] + [[f"Träger {n:03d}"] for n in range(120)]
    first = planner_client.post("/actors/import", data={"rows": json.dumps(rows), "auslassen": "2", "seite": "2"})
    assert '<input type="hidden" name="auslassen" value="2">' in first.get_data(as_text=True)
    done = planner_client.post("/actors/import", data={"rows": json.dumps(rows), "auslassen": "2", "action": "confirm"})
    assert done.status_code == 302
    names = _actors(app)
    assert len(names) == 119 and "Träger 000" not in names
