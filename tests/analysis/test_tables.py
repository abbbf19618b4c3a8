"""The results-table model and the workbook, without the app: every table of the page has its
typed columns, its suppression and its rounding once, and the workbook shows them as an analyst
expects (opened again with openpyxl)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import tables, workbook
from analysis.csvdialect import stream_rows
from analysis.dataset import Dataset, ResponseRecord
from analysis.tables import MARK, SUPPRESSED, Type


@dataclass(frozen=True)
class Audience:
    planner: bool
    min_group: int = 3

    @property
    def suppressing(self) -> bool:
        return not self.planner and self.min_group > 1


PLANNER, ANALYST = Audience(True), Audience(False)


def book_of(dataset: Dataset, audience: Audience) -> tuple[list[tables.Table], openpyxl.Workbook]:
    found = tables.dataset_tables(dataset, audience)
    buffer = io.BytesIO()
    workbook.dataset_workbook(buffer, dataset, found, privacy_note=tables.suppression_note(audience))
    return found, openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def sheets_by_key(book: openpyxl.Workbook) -> dict[str, openpyxl.worksheet.worksheet.Worksheet]:
    index = book["Inhalt"]
    rows = list(index.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Tabellenblatt")
    return {row[3]: book[row[0]] for row in rows[start + 1:] if row[3]}


def test_every_table_has_a_sheet_with_frozen_header_and_filter(submitted):
    found, book = book_of(submitted, PLANNER)
    sheets = sheets_by_key(book)
    assert [t.key for t in found] == list(sheets)
    assert {"ruecklauf-stadtteil", "ruecklauf-handlungsfeld", "akteure-handlungsfeld", "akteure-traegerart",
            "akteure-stadtteil", "abdeckung-stadtteil", "abdeckung-handlungsfeld", "abdeckung-zielgruppe",
            "netzwerk", "brueckenakteure", "netzwerk-handlungsfelder", "netzwerk.lebensphasen"} <= set(sheets)
    for table in found:
        sheet = sheets[table.key]
        assert sheet.freeze_panes == "A2", table.key
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), table.key
        assert [c.value for c in sheet[1]] == table.header
        assert sheet.max_row == 1 + len(table.rows), table.key
        assert all(len(sheet.title) <= 31 for sheet in book.worksheets)
    for name in ("Antworten (Rohdaten)", "Angebote", "Kooperationen", "Codebuch", "Akteure"):
        assert book[name].freeze_panes == "A2" and book[name].auto_filter.ref, name


def test_shares_are_percent_cells_and_counts_numbers(submitted):
    found, book = book_of(submitted, PLANNER)
    sheet = sheets_by_key(book)["akteure-handlungsfeld"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    label, count, share = rows["Kinder- und Jugendhilfe"]
    assert count.value == 2 and count.data_type == "n"
    assert share.value == 0.667 and "%" in share.number_format  # 2 of 3, rounded as on the page (66,7 %)
    years = {row[0].value: row[1] for row in sheets_by_key(book)["netzwerk.gruendung"].iter_rows(min_row=2)}
    assert years["Mittelwert"].value == 2013.3 and years["Minimum"].value == 2010  # a year, not "2.013,3"


def test_datetimes_are_berlin_time_cells_and_formulas_stay_text(submitted):
    _found, book = book_of(submitted, PLANNER)
    sheet = book["Antworten (Rohdaten)"]
    header = [c.value for c in sheet[1]]
    first = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    submitted_at = first[header.index("submitted_at")]
    assert submitted_at.is_date and submitted_at.value.hour == 11  # 10:00 UTC on 1 March = 11:00 in Berlin
    focus = first[header.index("netzwerk.fokus")]
    assert focus.data_type == "s" and focus.value.startswith("=HYPERLINK")


def test_analysts_see_the_dash_where_planners_see_small_counts(submitted):
    planner_tables = {t.key: t for t in tables.dataset_tables(submitted, PLANNER)}
    analyst_tables, book = book_of(submitted, ANALYST)
    by_key = {t.key: t for t in analyst_tables}
    planner_rows = {r[0]: r for r in planner_tables["akteure-traegerart"].rows}
    analyst_rows = {r[0]: r for r in by_key["akteure-traegerart"].rows}
    assert planner_rows["Freier Träger"][1] == 1
    assert analyst_rows["Freier Träger"][1] is SUPPRESSED and analyst_rows["Freier Träger"][2] is SUPPRESSED
    sheet = sheets_by_key(book)["akteure-traegerart"]
    cells = {row[0].value: [c.value for c in row] for row in sheet.iter_rows(min_row=2)}
    assert cells["Freier Träger"][1:] == [MARK, MARK]  # never "< 3", also not in the share column
    page = by_key["akteure-traegerart"].display_rows()
    assert [text for text, _c in page[1]][1:] == [MARK, MARK]


def test_chart_csv_values_are_rounded_as_on_the_page(submitted):
    table = next(t for t in tables.dataset_tables(submitted, PLANNER) if t.key == "akteure-handlungsfeld")
    rows = list(csv.reader(io.StringIO(b"".join(stream_rows(table.csv_rows(), "rfc4180")).decode())))
    shares = {row[0]: row[2] for row in rows[1:]}
    assert shares["Kinder- und Jugendhilfe"] == "66.7" and shares["Gesundheit"] == "33.3"
    page = {row[0][0]: row[2][0] for row in table.display_rows()}
    assert page["Gesundheit"] == "33,3"


def _decimals(value: object) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if isinstance(value, float) and "." in text and "e" not in text else 0


@st.composite
def datasets(draw, base: Dataset) -> Dataset:
    """The hand-made survey with a random subset of responses, answers dropped at random and
    random submission states: tables of every size, from empty to full, suppressed or not."""
    chosen = draw(st.lists(st.sampled_from(base.responses), max_size=12))
    records = []
    for number, record in enumerate(chosen, start=1):
        keep = draw(st.sets(st.sampled_from(sorted(record.values)))) if record.values else set()
        status = draw(st.sampled_from(["submitted", "in_progress"]))
        records.append(ResponseRecord(number, status, record.submitted_at, draw(st.sampled_from([record.actor, None])),
                                      record.organisation, {k: v for k, v in record.values.items() if k in keep}))
    return replace(base, responses=tuple(records)).filter(submitted_only=draw(st.booleans()))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), planner=st.booleans())
def test_every_table_renders_with_rows_as_long_as_its_header(dataset, data, planner):
    sample = data.draw(datasets(dataset))
    audience = Audience(planner)
    found, book = book_of(sample, audience)
    sheets = sheets_by_key(book)
    assert len({t.key for t in found}) == len(found)
    for table in found:
        width = len(table.columns)
        assert all(len(row) == width for row in table.rows), table.key
        assert all(len(row) == width for row in table.display_rows()), table.key
        plain = table.csv_rows()
        assert all(len(row) == width for row in plain), table.key
        for row, source in zip(plain[1:], table.rows, strict=True):
            for value, (_raw, column) in zip(row, table.typed(source), strict=True):
                if column.type == Type.PERCENT:
                    assert _decimals(value) <= column.decimals, (table.key, value)
        sheet = sheets[table.key]
        written = list(sheet.iter_rows(values_only=True))
        assert len(written) == 1 + len(table.rows), table.key
        assert all(len(row) == width for row in written), table.key
        if not planner:
            assert "< 3" not in {v for row in written for v in row}, table.key


@given(st.lists(st.text(max_size=80), max_size=30))
def test_sheet_names_are_valid_and_unique_for_any_titles(titles):
    taken: set[str] = set()
    names = [workbook.sheet_name(title, taken) for title in titles]
    assert all(0 < len(name) <= 31 and not workbook.FORBIDDEN.search(name) for name in names)
    assert len({name.casefold() for name in names}) == len(names)
    assert all(not name.startswith("'") and not name.endswith("'") for name in names)


def test_rating_tables_show_mean_and_median_with_the_mapping_in_workbook_and_page(submitted):
    found, book = book_of(submitted, PLANNER)
    table = next(t for t in found if t.key == "netzwerk.bewertung")
    assert table.header[-3:] == ["n", "Mittelwert", "Median"]
    assert "1 = sehr gut … 5 = sehr schlecht; ohne „weiß nicht“" in table.note
    assert [text for text, _c in table.display_rows()[0][-2:]] == ["2,3", "2"]
    sheet = sheets_by_key(book)["netzwerk.bewertung"]
    assert [c.value for c in sheet[2]][-2:] == [2.3, 2]


def test_analysts_lose_mean_and_median_of_a_row_with_hidden_counts(submitted):
    table = next(t for t in tables.dataset_tables(submitted, ANALYST) if t.key == "netzwerk.bewertung")
    for row in table.rows:
        if any(cell is SUPPRESSED for cell in row[1:-3]):
            assert row[-2:] == (SUPPRESSED, SUPPRESSED)


def test_bridge_actors_read_with_two_significant_digits():
    assert [tables.significant_decimals(v) for v in (0.5, 0.1234, 0.01234, 0.0012, 1.0, 0.0)] == [2, 2, 3, 4, 1, 0]
    column = tables.Column("Wert", Type.NUMBER, 3)
    shown = [tables.display(tables.Value(v, Type.NUMBER, tables.significant_decimals(v)), column)
             for v in (0.1234, 0.1049, 0.0456)]
    assert shown == ["0,12", "0,10", "0,046"]
