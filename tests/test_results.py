"""The results pages and downloads over HTTP, as planners and analysts use them."""

from __future__ import annotations

import csv
import io
import re

import networkx as nx
import openpyxl
import pytest
import sqlalchemy as sa

from factories import fetch_prepared, login, make_survey, make_user
from survey.extensions import db
from survey.models import Actor, Survey, User
from survey.services import invitations as invitation_service
from survey.services import responses as response_service

KEYS = ["akteur.name", "akteur.sektor", "netzwerk.wirkungskreis", "angebote.angebote", "kooperation.partner",
        "akteur.ansprechperson"]
MALICIOUS = '=HYPERLINK("http://boese.example","klick")'
HIDDEN_ADDRESS = "ohne-name@traeger.example"
# organisation, e-mail, sector, districts, Wirkungskreis, offers [(name, phases, districts)], partners (indices)
ORGS = [
    ("Kita Sonnenschein", "kita@traeger.example", "kita", ["nordstadt"], "stadtteil",
     [("Elterncafé", ["kita"], ["nordstadt"]), (MALICIOUS, ["kita"], ["nordstadt"])], [1, 2]),
    ("Familienzentrum Nord", "fz@traeger.example", "kinder_jugendhilfe", ["nordstadt"], "stadtteil",
     [("Babyclub", ["schwangerschaft_geburt"], ["nordstadt"])], [0]),
    ("Grundschule Süd", "gs@traeger.example", "schule", ["suedstadt"], "quartier",
     [("Lernhilfe", ["grundschule"], ["suedstadt"])], [0, 1]),
    ("Sportverein Ost", "sv@traeger.example", "sport", ["oststadt"], "stadtteil",
     [("Bewegte Kinder", ["grundschule", "kita"], ["oststadt"])], []),
]


def _raw(index: int, partners_codes: list[str]) -> dict[str, list[str]]:
    name, _email, sector, _districts, scope, offers, partners = ORGS[index]
    raw = {"akteur.name": [name], "akteur.sektor": [sector], "netzwerk.wirkungskreis": [scope],
           "akteur.ansprechperson": ["Petra Kontakt, Leitung"]}
    for n, (offer, phases, districts) in enumerate(offers):
        raw[f"angebote.angebote/{n}/name"] = [offer]
        raw[f"angebote.angebote/{n}/lebensphasen"] = phases
        raw[f"angebote.angebote/{n}/stadtteile"] = districts
        raw[f"angebote.angebote/{n}/kosten"] = ["kostenfrei" if n == 0 else "kostenpflichtig"]
    for n, partner in enumerate(partners):
        raw[f"kooperation.partner/{n}/actor"] = [partners_codes[partner]]
        raw[f"kooperation.partner/{n}/art"] = ["informationsaustausch"]
        raw[f"kooperation.partner/{n}/haeufigkeit"] = ["monatlich"]
    return raw


def submit(invitation, raw: dict[str, list[str]]) -> None:
    response = response_service.start(invitation)
    response.draft = raw
    errors = response_service.submit(response)
    assert errors == {}, errors


@pytest.fixture
def survey_id(app, planner) -> int:
    """An open survey of four registered organisations (all submitted) plus one invitation
    without organisation name or register entry (opened, a draft)."""
    with app.app_context():
        survey = make_survey(planner[0], keys=KEYS, title="Präventionskette Süd 2026")
        actors = []
        for name, email, sector, districts, *_rest in ORGS:
            actor = Actor(kommune_id=survey.kommune_id, name=name, sector=sector, districts=districts, email=email,
                          phone="0123 456")
            db.session.add(actor)
            actors.append(actor)
        db.session.flush()
        codes = [a.code for a in actors]
        for index, actor in enumerate(actors):
            invitation, _token = invitation_service.invite(survey, actor.email, actor=actor)
            submit(invitation, _raw(index, codes))
        anonymous, _token = invitation_service.invite(survey, HIDDEN_ADDRESS)
        response = response_service.start(anonymous)
        response.draft = {"akteur.name": [""], "akteur.sektor": ["kita"]}
        db.session.commit()
        return survey.id


def test_results_page_shows_overview_sections_and_every_question(planner_client, survey_id):
    page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    for heading in ("Rücklauf", "Akteure", "Angebote und Abdeckung der Präventionskette", "Netzwerke",
                    "Alle Fragen", "Downloads"):
        assert f">{heading}</h2>" in page
    assert '<strong id="submitted-count">4</strong>' in page
    assert "Brückenakteure" in page and "Kennzahlen" in page
    # a gap in words: nothing for the Jugendphase anywhere, nothing around birth in the Südstadt
    assert "Jugendphase und Übergang Schule – Beruf: in keinem Stadtteil ein Angebot." in page
    assert re.search(r"Rund um Schwangerschaft und Geburt: kein Angebot in Südstadt und Oststadt", page)
    assert "Auf welchen Wirkungskreis bezieht sich das Netzwerk?" in page
    # the contact question is promised never to appear in results
    assert "Rückfragen" not in page


def test_a_charts_description_ends_a_question_with_its_own_mark(planner_client, survey_id):
    page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    alts = re.findall(r'alt="(Diagramm: [^"]*)"', page)
    assert any("Wirkungskreis bezieht sich das Netzwerk? Die Zahlen" in a for a in alts)
    assert not [a for a in alts if re.search(r"[?!.]\.", a)]


def test_every_chart_of_the_page_comes_as_png_svg_and_table(planner_client, survey_id):
    page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    sources = re.findall(r'<img src="([^"]+)"', page)
    names = {re.search(r"/chart/(.+)\.png", s).group(1) for s in sources}
    assert {"ruecklauf", "akteure-handlungsfeld", "abdeckung-stadtteil", "netzwerk", "netzwerk-handlungsfelder",
            "netzwerk.wirkungskreis"} <= names
    for source in sources:
        png = planner_client.get(source.replace("&amp;", "&"))
        assert png.status_code == 200 and png.mimetype == "image/png", source
        assert png.data.startswith(b"\x89PNG"), source
    svg = planner_client.get(f"/results/{survey_id}/chart/abdeckung-stadtteil.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    table = planner_client.get(f"/results/{survey_id}/chart/abdeckung-stadtteil.csv?format=rfc4180")
    rows = list(csv.reader(io.StringIO(table.get_data(as_text=True))))
    assert rows[0][1:] == ["Nordstadt", "Südstadt", "Oststadt"]
    kita = next(r for r in rows if r[0] == "Rund um die Kita")
    assert kita[1:] == ["2", "0", "1"]
    assert f"befragung-{survey_id}-praeventionskette-sued-2026-abdeckung-stadtteil.csv" in table.headers[
        "Content-Disposition"]


def test_responses_csv_in_both_dialects_neutralises_formulas(planner_client, survey_id):
    excel = planner_client.get(f"/results/{survey_id}/antworten.csv?format=excel_de")
    assert excel.mimetype == "text/csv"
    assert excel.data.startswith(b"\xef\xbb\xbf")
    header = excel.data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("id;status;submitted_at;actor;organisation;")
    assert excel.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "antworten-rohdaten-praeventionskette-sued-2026-" in excel.headers["Content-Disposition"]
    assert "Content-Length" not in excel.headers  # streamed chunk by chunk, not built in memory

    plain = planner_client.get(f"/results/{survey_id}/antworten.csv?format=rfc4180")
    assert not plain.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(plain.get_data(as_text=True))))
    assert len(rows) == 4 and rows[0]["akteur.name"] == "Kita Sonnenschein"

    offers = planner_client.get(f"/results/{survey_id}/angebote.csv?format=rfc4180").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(offers)) for cell in row]
    assert "'" + MALICIOUS in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert planner_client.get(f"/results/{survey_id}/antworten.csv?format=tsv").status_code == 404


def test_partner_codebook_and_actor_downloads(planner_client, survey_id):
    partners = planner_client.get(f"/results/{survey_id}/kooperationen.csv?format=rfc4180").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(partners)))) == 5  # 2 + 1 + 2 + 0 nominations
    codebook = planner_client.get(f"/results/{survey_id}/codebuch.csv?format=excel_de").data.decode("utf-8-sig")
    assert "netzwerk.wirkungskreis;;frage;single_choice;Auf welchen Wirkungskreis" in codebook
    actors = planner_client.get(f"/results/{survey_id}/akteure.csv?format=rfc4180").get_data(as_text=True)
    assert "Sportverein Ost" in actors and "@" not in actors and "0123" not in actors


def test_network_downloads_open_in_networkx(planner_client, survey_id):
    graphml = planner_client.get(f"/results/{survey_id}/netzwerk.graphml")
    assert graphml.status_code == 200 and graphml.mimetype == "application/graphml+xml"
    graph = nx.read_graphml(io.BytesIO(graphml.data))
    assert graph.number_of_edges() == 5
    names = {data["name"]: data for _node, data in graph.nodes(data=True)}
    assert names["Grundschule Süd"]["sector"] == "schule"
    assert names["Sportverein Ost"]["responded"] is True

    edges = planner_client.get(f"/results/{survey_id}/netzwerk-kanten.csv?format=rfc4180").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(edges)))
    mutual = {(r["source_name"], r["target_name"]) for r in rows if r["reciprocated"] == "1"}
    assert ("Kita Sonnenschein", "Familienzentrum Nord") in mutual
    assert ("Kita Sonnenschein", "Grundschule Süd") in mutual


def test_pdf_report_and_workbook(planner_client, survey_id):
    pdf = fetch_prepared(planner_client, f"/results/{survey_id}/bericht.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert len(pdf.data) > 20_000  # title page, charts and tables, not an empty document
    workbook = fetch_prepared(planner_client, f"/results/{survey_id}/auswertung.xlsx")
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    assert book.sheetnames[0] == "Inhalt"
    assert {"Antworten (Rohdaten)", "Angebote", "Kooperationen", "Codebuch", "Akteure"} <= set(book.sheetnames)
    malicious = next(cell for row in book["Angebote"].iter_rows(min_row=2) for cell in row if cell.value == MALICIOUS)
    assert malicious.data_type == "s"  # stored as text, not as a formula


def test_filters_change_every_number_and_travel_with_the_links(planner_client, survey_id):
    everyone = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    north = planner_client.get(f"/results/{survey_id}?stadtteil=nordstadt").get_data(as_text=True)
    assert '<strong id="submitted-count">4</strong>' in everyone
    assert '<strong id="submitted-count">2</strong>' in north
    assert "/chart/netzwerk.png?stadtteil=nordstadt" in north
    links = re.findall(r'href="([^"]*antworten\.csv\?[^"]*)"', north)
    assert len(links) == 4 and all("stadtteil=nordstadt" in link for link in links)

    def sectors(query: str) -> dict[str, str]:
        data = planner_client.get(f"/results/{survey_id}/chart/akteure-handlungsfeld.csv?format=rfc4180&{query}")
        return {row[0]: row[1] for row in csv.reader(io.StringIO(data.get_data(as_text=True)))}

    assert sectors("")["Sport"] == "1"
    assert sectors("stadtteil=nordstadt")["Sport"] == "0"
    assert sectors("handlungsfeld=sport&handlungsfeld=schule")["Schule (einschließlich OGS)"] == "1"
    assert sectors("handlungsfeld=sport&handlungsfeld=schule")["Kindertagesbetreuung (Kita, Kindertagespflege)"] == "0"

    def offers(query: str) -> str:
        return planner_client.get(f"/results/{survey_id}/chart/abdeckung-stadtteil.csv?format=rfc4180&{query}") \
            .get_data(as_text=True)

    assert "Rund um die Kita,2,0,1" in offers("")
    assert "Rund um die Kita,1,0,1" in offers("kosten=kostenfrei")  # the malicious one costs money
    rows = list(csv.reader(io.StringIO(planner_client.get(
        f"/results/{survey_id}/antworten.csv?format=rfc4180&entwuerfe=1").get_data(as_text=True))))
    assert len(rows) == 1 + 5 and rows[-1][1] == "in_progress"


def test_analysts_get_small_numbers_suppressed_planners_see_them(planner_client, analyst_client, survey_id):
    url = f"/results/{survey_id}/chart/netzwerk.wirkungskreis.csv?format=rfc4180"
    planner_rows = {r[0]: r[1] for r in csv.reader(io.StringIO(planner_client.get(url).get_data(as_text=True)))}
    analyst_rows = {r[0]: r[1] for r in csv.reader(io.StringIO(analyst_client.get(url).get_data(as_text=True)))}
    assert planner_rows["Quartier"] == "1"
    assert analyst_rows["Quartier"] == "–"  # the dash, never "< 3" (reads as "under 3 %" in a share)
    # three answers "Stadtteil" are shown, but the one "Quartier" could be recomputed from n = 4: hidden too
    assert planner_rows["Stadtteil / Sozialraum"] == "3" and analyst_rows["Stadtteil / Sozialraum"] == "–"

    page = analyst_client.get(f"/results/{survey_id}?stadtteil=oststadt").get_data(as_text=True)
    assert "zum Schutz der Antwortenden" in page
    refused = analyst_client.get(f"/results/{survey_id}/netzwerk.graphml?stadtteil=oststadt")
    assert refused.status_code == 403 and "nicht an Auswertende" in refused.get_data(as_text=True)
    assert planner_client.get(f"/results/{survey_id}/netzwerk.graphml?stadtteil=oststadt").status_code == 200


def test_analyst_never_sees_a_contact_address(app, planner_client, analyst_client, survey_id):
    with app.app_context():  # submit the nameless invitation: only its e-mail address could name it
        survey = db.session.get(Survey, survey_id)
        response = next(r for r in db.session.scalars(sa.select(response_service.Response)) if not r.is_submitted)
        response.draft = {"akteur.name": ["Unbenannt"], "akteur.sektor": ["kita"],
                          "akteur.ansprechperson": ["Petra Kontakt"]}
        assert response_service.submit(response) == {}
        survey.rows_for_analysts = True  # shared: pseudonymised rows, still no contact data
        db.session.commit()
        assert survey is not None

    planner_csv = planner_client.get(f"/results/{survey_id}/antworten.csv?format=rfc4180").get_data(as_text=True)
    assert HIDDEN_ADDRESS in planner_csv and "Petra Kontakt" in planner_csv

    base = f"/results/{survey_id}"
    for path in ("", "?entwuerfe=1", "/antworten.csv", "/antworten.csv?entwuerfe=1", "/angebote.csv",
                 "/kooperationen.csv", "/codebuch.csv", "/akteure.csv", "/netzwerk-kanten.csv", "/netzwerk.graphml",
                 "/chart/netzwerk.csv", "/chart/abdeckung-stadtteil.csv"):
        body = analyst_client.get(base + path)
        assert body.status_code == 200, path
        text = body.data.decode("utf-8-sig")
        assert "@" not in text or not re.search(r"[\w.-]+@[\w-]+\.example", text), path
        assert "Petra Kontakt" not in text, path
    book = openpyxl.load_workbook(io.BytesIO(fetch_prepared(analyst_client, base + "/auswertung.xlsx").data),
                                  read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    book.close()
    assert not any(HIDDEN_ADDRESS in c or "@traeger.example" in c for c in cells)
    assert any(re.fullmatch(r"E-[A-Z2-9]{6}", c) for c in cells)  # organisations by their codes


def test_results_update_as_answers_arrive(app, planner_client, survey_id):
    page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    assert '<strong id="submitted-count">4</strong>' in page
    with app.app_context():
        response = next(r for r in db.session.scalars(sa.select(response_service.Response)) if not r.is_submitted)
        response.draft = {"akteur.name": ["Nachzügler"], "akteur.sektor": ["kita"]}
        assert response_service.submit(response) == {}
        db.session.commit()
    page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    assert '<strong id="submitted-count">5</strong>' in page


def test_another_kommune_gets_404_on_every_results_url(app, client, survey_id):
    _id, email = make_user(app, "planner", kommune="Stadt Anderswo", email="planer@anderswo.example")
    other = login(client, email)
    base = f"/results/{survey_id}"
    paths = ["", "/chart/ruecklauf.png", "/chart/netzwerk.svg", "/chart/abdeckung-stadtteil.csv",
             "/chart/netzwerk.wirkungskreis.png", "/antworten.csv", "/angebote.csv", "/kooperationen.csv",
             "/codebuch.csv", "/akteure.csv", "/netzwerk-kanten.csv", "/netzwerk.graphml", "/auswertung.xlsx",
             "/bericht.pdf"]
    for path in paths:
        assert other.get(base + path).status_code == 404, path
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == email)).kommune_id != \
            db.session.get(Survey, survey_id).kommune_id


def test_unknown_chart_is_a_404(planner_client, survey_id):
    assert planner_client.get(f"/results/{survey_id}/chart/gibt-es-nicht.png").status_code == 404
    assert planner_client.get(f"/results/{survey_id}/chart/netzwerk.gif").status_code == 404
    assert planner_client.get(f"/results/{survey_id}/chart/angebote.angebote.name.png").status_code == 404


ROW_DOWNLOADS = ("antworten", "angebote", "kooperationen")


def test_row_downloads_come_lesbar_and_as_rohdaten_under_distinct_names(planner_client, survey_id):
    page = planner_client.get(f"/results/{survey_id}").get_data(as_text=True)
    names = set()
    for what in ROW_DOWNLOADS + ("codebuch",):
        links = [link.replace("&amp;", "&") for link in re.findall(rf'href="([^"]*/{what}\.csv\?[^"]*)"', page)]
        assert len(links) == (2 if what == "codebuch" else 4), what
        for link in links:
            got = planner_client.get(link)
            assert got.get_data()  # read the streamed body to its end
            assert got.status_code == 200 and got.headers["Content-Type"] == "text/csv; charset=utf-8", link
            disposition = got.headers["Content-Disposition"]
            name = re.search(r'filename="([^"]+)"', disposition).group(1)
            assert f"filename*=UTF-8''{name}" in disposition
            assert re.fullmatch(rf"{what}-(lesbar-|rohdaten-)?praeventionskette-sued-2026-\d{{4}}-\d\d-\d\d-"
                                r"(excel|rfc4180)\.csv", name), name
            names.add(name)
    assert len(names) == 3 * 4 + 2

    readable = planner_client.get(f"/results/{survey_id}/antworten.csv?variante=lesbar&format=rfc4180")
    rows = list(csv.DictReader(io.StringIO(readable.get_data(as_text=True))))
    header = list(rows[0])
    assert header[:5] == ["Nr.", "Status", "Abgeschickt am", "Akteur (Code)", "Einrichtung"]
    assert not any(h.startswith(("akteur.", "netzwerk.", "angebote.")) for h in header)
    assert len(set(header)) == len(header)
    first = rows[0]
    assert first["Status"] == "abgeschickt"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", first["Abgeschickt am"])
    sector = next(h for h in header if h.startswith("In welchem Handlungsfeld"))
    assert first[sector] == "Kindertagesbetreuung (Kita, Kindertagespflege)"
    raw = planner_client.get(f"/results/{survey_id}/antworten.csv?variante=rohdaten&format=rfc4180")
    raw_first = next(csv.DictReader(io.StringIO(raw.get_data(as_text=True))))
    assert raw_first["akteur.sektor"] == "kita"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", raw_first["submitted_at"])
    assert planner_client.get(f"/results/{survey_id}/antworten.csv?variante=huebsch").status_code == 404
