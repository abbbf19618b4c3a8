"""Adding a kind is one class (plus a template macro, here an existing one): a toy kind registered
in this test goes through the builder, the respondent page, save and submit, every export, the
reader and a chart. Any place that still decides by a kind's name drops it on the way."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from analysis.charts import defaults as default_charts
from analysis.reader import read_dataset
from factories import PRIVACY, fetch_prepared, invite
from questionnaires import formatting as fmt
from questionnaires.kinds import KINDS, Number
from survey.extensions import db
from survey.models import Response, Survey


class Percentage(Number):
    """A share in per cent: a number from 0 to 100, shown with "%"."""

    name, label, own = "prozentwert", "Prozentwert", True

    def display(self, question, value):
        return "–" if self.is_empty(value) else f"{fmt.number(value)} %"


@pytest.fixture
def toy_kind():
    kind = Percentage()
    KINDS[kind.name] = kind
    try:
        yield kind
    finally:
        del KINDS[kind.name]


def _text(response) -> str:
    return response.get_data(as_text=True)


PROMPT = "Welcher Anteil der Familien im Stadtteil wird erreicht?"


def test_a_toy_kind_goes_from_the_builder_to_every_export_the_reader_and_a_chart(
        app, planner_client, client, toy_kind, tmp_path):
    created = planner_client.post("/surveys/new", data={"title": "Erreichbarkeit 2026", "privacy_notice": PRIVACY})
    survey_id = int(re.search(r"/surveys/(\d+)", created.headers["Location"]).group(1))
    planner_client.post(f"/surveys/{survey_id}/items", data={"key": "netzwerk.name"})
    with app.app_context():
        page_id = db.session.get(Survey, survey_id).pages[0].id
    # The builder offers the kind to planners and adds it as an own question.
    form = _text(planner_client.get(f"/surveys/{survey_id}/eigene-frage"))
    assert f'value="{toy_kind.name}"' in form and "Prozentwert" in form
    added = planner_client.post(f"/surveys/{survey_id}/eigene-frage", data={
        "kind": toy_kind.name, "prompt": PROMPT, "minimum": "0", "maximum": "100", "page": page_id,
    }, follow_redirects=True)
    assert PROMPT in _text(added)
    assert planner_client.post(f"/surveys/{survey_id}/open").status_code == 302

    # The respondent sees the field the kind's macro draws, saves, gets the kind's message, submits.
    with app.app_context():
        token = invite(db.session.get(Survey, survey_id))
    client.post(f"/r/{token}/start")
    page = _text(client.get(f"/r/{token}/seite/1"))
    assert PROMPT in page and 'name="eigene.1"' in page and 'inputmode="decimal"' in page
    assert "Eine Zahl von 0 bis 100." in page  # the kind's hint under the field
    revision = re.search(r'name="_revision" value="(\d+)"', page).group(1)
    wrong = client.post(f"/r/{token}/seite/1", data={"_revision": revision, "_action": "review",
                                                     "netzwerk.name": "Stadtteilkonferenz Nord", "eigene.1": "140"},
                        follow_redirects=True)
    assert "Bitte eine Zahl zwischen 0 und 100 eingeben." in _text(wrong)
    page = _text(client.get(f"/r/{token}/seite/1"))
    revision = re.search(r'name="_revision" value="(\d+)"', page).group(1)
    client.post(f"/r/{token}/seite/1", data={"_revision": revision, "_action": "review",
                                             "netzwerk.name": "Stadtteilkonferenz Nord", "eigene.1": "42,5"})
    review = _text(client.get(f"/r/{token}/pruefen"))
    assert "42,5 %" in review  # the kind's display
    assert "Vielen Dank" in _text(client.post(f"/r/{token}/pruefen", follow_redirects=True))
    with app.app_context():
        assert db.session.query(Response).one().answers["eigene.1"] == 42.5

    # Every export has the question: rows (both variants), codebook, workbook, PDF report.
    raw = planner_client.get(f"/results/{survey_id}/antworten.csv?format=rfc4180").data
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert "eigene.1" in header and "42.5" in raw.decode("utf-8-sig")
    readable = _text(planner_client.get(f"/results/{survey_id}/antworten.csv?format=excel_de&variante=lesbar"))
    assert PROMPT in readable and "42,5" in readable
    codebook = planner_client.get(f"/results/{survey_id}/codebuch.csv?format=rfc4180").data
    assert toy_kind.name in codebook.decode("utf-8-sig") and PROMPT in codebook.decode("utf-8-sig")
    workbook = fetch_prepared(planner_client, f"/results/{survey_id}/auswertung.xlsx")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert PROMPT in cells and 42.5 in cells
    report = fetch_prepared(planner_client, f"/results/{survey_id}/bericht.pdf")
    assert report.status_code == 200 and report.data.startswith(b"%PDF")
    (tmp_path / "bericht.pdf").write_bytes(report.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "bericht.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Welcher Anteil der Familien" in " ".join(text.split())

    # The reader turns the files back into the answer; the kind's chart draws it.
    (tmp_path / "antworten.csv").write_bytes(raw)
    (tmp_path / "codebuch.csv").write_bytes(codebook)
    dataset = read_dataset(tmp_path / "antworten.csv", tmp_path / "codebuch.csv")
    question = dataset.question("eigene.1")
    assert question.kind == toy_kind.name and [r.values["eigene.1"] for r in dataset.responses] == [42.5]
    assert default_charts.default_chart(question) == "histogram"
    assert default_charts.chart_for(dataset, question, planner=True) is not None
    chart = planner_client.get(f"/results/{survey_id}/chart/eigene.1.svg")
    assert chart.status_code == 200 and b"<svg" in chart.data
    assert PROMPT.split()[0] in _text(planner_client.get(f"/results/{survey_id}"))
    assert not Path(tmp_path / "nothing").exists()
