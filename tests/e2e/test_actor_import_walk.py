"""A planner imports a register list: everyday sector words understood, one row left out, a same-named
entry offered but not taken, the update by e-mail confirmed old → new, then written (axe-core clean)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from e2e.axe import axe_violations
from e2e.walk import sign_in
from survey.extensions import db
from survey.models import Actor, User

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/import-shots")
CSV = ("Name;Sektor;E-Mail;Telefon\n"
       "Jugendtreff Mitte;Jugendhilfe;treff@stadt.example;0231 2\n"
       "Kita Sonnenschein e. V.;Kindertagesstätte;info@andere.example;0999 9\n"
       "Gesundheitsamt;Gesundheitswesen;ga@stadt.example;\n"
       "Sportverein TuS;Sport;tus@verein.example;\n")


def test_a_planner_imports_with_a_skipped_row_a_name_suggestion_and_a_confirmed_update(
        app, browser, live_server, planner, tmp_path):
    with app.app_context():
        kommune_id = db.session.get(User, planner[0]).kommune_id
        db.session.add_all([Actor(kommune_id=kommune_id, name="Jugendtreff Mitte", email="treff@stadt.example",
                                  phone="0231 1"),
                            Actor(kommune_id=kommune_id, name="Kita Sonnenschein e.V.", email="leitung@sonne.example")])
        db.session.commit()
    file = tmp_path / "akteure.csv"
    file.write_text(CSV, encoding="utf-8")
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, planner[1])
    page.goto(live_server + "/actors/import")
    page.get_by_label("Datei").set_input_files(str(file))
    page.get_by_role("button", name="Vorschau anzeigen").click()
    expect(page.get_by_role("status")).to_contain_text("4 Zeilen: 2 neu · 1 aktualisiert einen vorhandenen Eintrag")
    expect(page.locator("#zeile-2")).to_contain_text("→ Kinder- und Jugendhilfe")
    expect(page.locator("#zeile-3")).to_contain_text("Möglicherweise dasselbe wie „Kita Sonnenschein e.V.“")
    expect(page.get_by_label("Zeile 3")).to_have_value("skip")
    page.get_by_label("Zeile 5 auslassen").check()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "vorschau.png"), full_page=True)
    page.get_by_role("button", name="Ausgewählte Zeilen übernehmen").click()
    expect(page.get_by_role("heading", name="Import bestätigen")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "1 vorhandener Eintrag wird geändert, 1 neuer Eintrag kommt hinzu.")
    change = page.locator("section.import-change")
    expect(change).to_contain_text("„Jugendtreff Mitte“ (Zeile 2, erkannt über E-Mail)")
    expect(change.get_by_role("row", name="Telefon 0231 1 0231 2")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "bestaetigen.png"), full_page=True)
    page.get_by_role("button", name="Jetzt übernehmen").click()
    done = "Import abgeschlossen: 1 neuer Eintrag, 1 aktualisiert, 2 Zeilen ausgelassen."
    expect(page.get_by_text(done)).to_be_visible()
    page.screenshot(path=str(SHOTS / "ergebnis.png"), full_page=True)
    context.close()
    with app.app_context():
        actors = {a.name: a for a in db.session.scalars(sa.select(Actor).where(Actor.kommune_id == kommune_id))}
        assert set(actors) == {"Jugendtreff Mitte", "Kita Sonnenschein e.V.", "Gesundheitsamt"}
        treff = actors["Jugendtreff Mitte"]
        assert treff.phone == "0231 2" and treff.sector == "kinder_jugendhilfe"
        assert actors["Kita Sonnenschein e.V."].email == "leitung@sonne.example"
