"""Every table of the results page, as a planner and an analyst see it: on the page, as its chart
CSV and as a sheet of the workbook, with the same header, as many cells per row as header cells,
the dash for suppressed cells and numbers rounded as on the page. Generated over the page itself,
so a table added to the page is checked without a new test."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest

import test_results
from factories import fetch_prepared

survey_id = test_results.survey_id  # the fixture: four organisations with offers and partners


class TableParser(HTMLParser):
    """The tables of a page that carry `data-table`: key → rows of cell texts (header first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.order: list[str] = []
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-table" in attrs:
            key = attrs["data-table"]
            if key not in self.order:
                self.order.append(key)
            if tag == "table":
                self.current = self.tables.setdefault(key, [])
                self.current.clear()
            else:
                self.tables.setdefault(key, [])
        elif self.current is not None and tag == "tr":
            self.current.append([])
        elif self.current is not None and tag in ("td", "th"):
            self.cell = []

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.current:
            self.current[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.current = None


def page_tables(client, survey: int) -> TableParser:
    parser = TableParser()
    parser.feed(client.get(f"/results/{survey}").get_data(as_text=True))
    return parser


def workbook_of(client, survey: int) -> openpyxl.Workbook:
    response = fetch_prepared(client, f"/results/{survey}/auswertung.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert f'befragung-{survey}-' in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.data))


def index_of(book: openpyxl.Workbook) -> dict[str, str]:
    rows = list(book["Inhalt"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Tabellenblatt")
    return {row[3]: row[0] for row in rows[start + 1:] if row[3]}


@pytest.mark.parametrize("who", ["planner", "analyst"])
def test_every_table_of_the_page_has_its_sheet_and_the_same_shape(request, who, survey_id):
    client = request.getfixturevalue(f"{who}_client")
    page = page_tables(client, survey_id)
    book = workbook_of(client, survey_id)
    sheets = index_of(book)
    # every table of the page, in page order, once; first the key figures the page shows above its chart
    assert page.order and list(sheets) == ["ruecklauf-gesamt", *page.order]
    figures = {row[0]: row[1] for row in book[sheets["ruecklauf-gesamt"]].iter_rows(min_row=2, values_only=True)}
    assert figures["Eingeladen"] == 5 and figures["Abgeschickt"] == 4 and figures["Rücklaufquote"] == 0.8
    for key in page.order:
        sheet = book[sheets[key]]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:"), key
        written = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]
        shown = page.tables[key]
        if not shown:  # withheld: a notice on the page, the notice in the sheet
            assert written[0] == ["Hinweis"] and "zum Schutz" in written[1][0], key
            continue
        assert shown[0] == written[0], key
        if shown[1:] == [["Keine Einträge."]]:
            shown = shown[:1]
        assert len(shown) == len(written), key
        assert all(len(row) == len(shown[0]) for row in shown), key
        if who == "analyst":
            assert "< 3" not in {str(v) for row in written for v in row}, key
            assert not any("< 3" in cell for row in shown for cell in row), key


@pytest.mark.parametrize("who", ["planner", "analyst"])
def test_every_chart_csv_has_rows_as_long_as_its_header_rounded_as_shown(request, who, survey_id):
    client = request.getfixturevalue(f"{who}_client")
    text = client.get(f"/results/{survey_id}").get_data(as_text=True)
    links = sorted({html.unescape(link) for link in re.findall(r'href="([^"]+/chart/[^"]+\.csv[^"]*)"', text)})
    assert len(links) >= 10
    for link in links:
        body = client.get(link + ("&" if "?" in link else "?") + "format=rfc4180")
        assert body.status_code == 200, link
        rows = list(csv.reader(io.StringIO(body.get_data(as_text=True))))
        assert all(len(row) == len(rows[0]) for row in rows), link
        for cell in (c for row in rows[1:] for c in row):
            assert not re.fullmatch(r"-?\d+\.\d{4,}", cell), (link, cell)  # no 16.666666666666668
            assert cell != "< 3", link


def test_analyst_workbook_shows_the_dash_where_the_planner_sees_a_small_count(planner_client, analyst_client,
                                                                              survey_id):
    def scope_rows(client):
        book = workbook_of(client, survey_id)
        sheet = book[index_of(book)["netzwerk.wirkungskreis"]]
        return {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}

    planner, analyst = scope_rows(planner_client), scope_rows(analyst_client)
    assert planner["Quartier"][1] == 1 and planner["Quartier"][2] == 0.25  # a percent cell: 25 %
    assert analyst["Quartier"][1:] == ("–", "–")


@pytest.mark.parametrize("as_planner", [True, False])
def test_the_table_list_without_the_app_is_the_page_list(app, request, as_planner, survey_id):
    """`analysis.tables.dataset_tables` (CLI, notebooks, the report) lists what the page shows."""
    from analysis import tables
    from survey.extensions import db
    from survey.models import Survey
    from survey.services.results import charts as results_charts
    from survey.services.results import dataset as results_dataset
    from survey.services.results import filters as results_filters

    client = request.getfixturevalue("planner_client" if as_planner else "analyst_client")
    shown = page_tables(client, survey_id).order
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        dataset = results_filters.Filters().apply(results_dataset.analysed(results_dataset.build_dataset(survey, False,
                                                                                                         as_planner)))
        viewer = results_charts.Viewer(planner=as_planner, min_group=app.config["MIN_GROUP_SIZE"])
        built = tables.dataset_tables(dataset, viewer)
    assert [t.key for t in built] == ["ruecklauf-gesamt", *shown]
