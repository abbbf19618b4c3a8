"""CSV/XLSX exports: dialects, formula neutralisation, streaming and the round trip."""

import csv
import io
import tracemalloc

import openpyxl
import pytest

from analysis import export
from analysis import statistics as st
from analysis.csvdialect import neutralise, unneutralise
from analysis.dataset import ResponseRecord
from analysis.reader import read_dataset


def text(chunks) -> bytes:
    return b"".join(chunks)


def rows_of(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_excel_de_has_bom_semicolons_and_decimal_comma(submitted):
    data = text(export.responses_csv(submitted.questions, submitted.responses, "excel_de"))
    assert data.startswith(b"\xef\xbb\xbf")
    header, first, second, _third = rows_of(data, ";")
    assert header[:5] == ["id", "status", "submitted_at", "actor", "organisation"]
    assert first[header.index("akteur.mitarbeitende")] == "12,5"
    assert second[header.index("akteur.mitarbeitende")] == "-3"  # a genuine negative number stays numeric
    assert first[header.index("netzwerk.lebensphasen")] == "kita|grundschule"
    assert first[header.index("netzwerk.lebensphasen/kita")] == "1"
    assert first[header.index("submitted_at")] == "2024-03-01T10:00:00Z"  # UTC, no microseconds


def test_rfc4180_has_no_bom_commas_crlf_and_dot_decimals(submitted):
    data = text(export.responses_csv(submitted.questions, submitted.responses, "rfc4180"))
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.split(b"\n", 1)[0].endswith(b"\r")
    header, first, *_ = rows_of(data, ",")
    assert first[header.index("akteur.mitarbeitende")] == "12.5"


@pytest.mark.parametrize("dialect, delimiter", [("excel_de", ";"), ("rfc4180", ",")])
def test_formula_answers_are_neutralised(submitted, dialect, delimiter):
    header, first, second, _ = rows_of(text(export.responses_csv(submitted.questions, submitted.responses, dialect)),
                                       delimiter)
    column = header.index("netzwerk.fokus")
    assert first[column] == "'=HYPERLINK(\"http://evil.example\",\"klick\")"
    assert second[column] == "'@SUM(A1:A9)"


def test_every_trigger_character_is_neutralised_and_restored():
    for bad in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "'=already"):
        assert neutralise(bad).startswith("'")
        assert unneutralise(neutralise(bad)) == bad
    assert neutralise("Kita") == "Kita"


def test_organisation_names_are_neutralised_too(make):
    question = make.question("a.b", "short_text")
    response = ResponseRecord(1, "submitted", None, None, "=cmd|' /C calc'!A0", {"a.b": "-2+3"})
    data = text(export.responses_csv((question,), [response], "rfc4180")).decode()
    assert "'=cmd" in data and "'-2+3" in data


def test_offers_csv_has_one_row_per_offer_linked_by_response(submitted):
    header, *rows = rows_of(text(export.offers_csv(submitted.questions, submitted.responses, "rfc4180")), ",")
    assert header[:3] == ["response_id", "entry", "angebote.angebote.name"]
    assert len(rows) == 7
    assert [r[0] for r in rows] == ["1", "1", "2", "3", "3", "3", "3"]
    assert rows[0][header.index("angebote.angebote.lebensphasen/kita")] == "1"


def test_partners_csv_carries_actor_and_free_name(submitted):
    header, *rows = rows_of(text(export.partners_csv(submitted.questions, submitted.responses, "rfc4180")), ",")
    assert header[:4] == ["response_id", "entry", "kooperation.partner.actor", "kooperation.partner.name"]
    assert rows[3][3] == "Kinderarztpraxis Dr. Weiß"


def test_codebook_lists_questions_options_and_vocabularies(submitted):
    header, *rows = rows_of(text(export.codebook_csv(submitted, "rfc4180")), ",")
    keyed = [(r[0], r[2], r[5]) for r in rows]
    assert ("netzwerk.lebensphasen", "frage", "") in keyed
    assert ("netzwerk.lebensphasen", "option", "kita") in keyed
    assert ("netzwerk.bewertung", "zeile", "ziele") in keyed
    assert ("_meta.stadtteile", "option", "nord") in keyed


@pytest.mark.parametrize("dialect", ["excel_de", "rfc4180"])
def test_round_trip_gives_the_same_frequencies(tmp_path, dataset, dialect):
    def write(name, chunks):
        path = tmp_path / name
        path.write_bytes(text(chunks))
        return path

    responses = write("antworten.csv", export.responses_csv(dataset.questions, dataset.responses, dialect))
    codebook = write("codebuch.csv", export.codebook_csv(dataset, dialect))
    offers = write("angebote.csv", export.offers_csv(dataset.questions, dataset.responses, dialect))
    partners = write("partner.csv", export.partners_csv(dataset.questions, dataset.responses, dialect))
    actors = write("akteure.csv", export.actors_csv(dataset.actors, dialect))
    back = read_dataset(responses, codebook, entries=[offers, partners], actors_csv=actors)

    assert back.title == dataset.title and back.districts == dataset.districts
    assert [q.key for q in back.questions] == [q.key for q in dataset.questions]
    assert back.questions == dataset.questions
    for original, read in zip(dataset.responses, back.responses, strict=True):
        assert (read.id, read.status, read.submitted_at, read.actor) == (
            original.id, original.status, original.submitted_at, original.actor)
    left, right = dataset.filter(), back.filter()
    for question in dataset.questions:
        assert st.summarise(right, question) == st.summarise(left, question), question.key
    from analysis import coverage, network

    assert coverage.phase_by_district(right) == coverage.phase_by_district(left)
    assert network.metrics(network.build_graph(right)) == network.metrics(network.build_graph(left))


def test_round_trip_without_actor_file_uses_the_akteur_answers(tmp_path, submitted):
    (tmp_path / "r.csv").write_bytes(text(export.responses_csv(submitted.questions, submitted.responses)))
    (tmp_path / "c.csv").write_bytes(text(export.codebook_csv(submitted)))
    back = read_dataset(tmp_path / "r.csv", tmp_path / "c.csv")
    assert back.actor("a3").sector == "jugendhilfe" and back.actor("a3").districts == ("nord",)


def test_csv_is_streamed_in_chunks_with_flat_memory(make):
    question = make.question("a.b", "long_text")
    long_answer = "Austausch im Quartier " * 20

    def responses(n):
        for i in range(n):
            yield ResponseRecord(i, "submitted", None, None, f"Einrichtung {i}", {"a.b": long_answer})

    tracemalloc.start()
    chunks = 0
    size = 0
    for chunk in export.responses_csv((question,), responses(20_000), "excel_de"):
        chunks += 1
        size += len(chunk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size > 8_000_000 and chunks > 100
    assert peak < 2_000_000  # far below the size of the file


def test_xlsx_has_a_sheet_per_table_and_keeps_formulas_as_text(submitted):
    workbook = openpyxl.load_workbook(io.BytesIO(export.xlsx(submitted)))
    assert workbook.sheetnames == ["Antworten", "Angebote", "Kooperationen", "Codebuch", "Akteure"]
    sheet = workbook["Antworten"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("netzwerk.fokus") + 1)
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")
    assert sheet.cell(row=3, column=header.index("akteur.mitarbeitende") + 1).value == -3
    assert workbook["Angebote"].max_row == 8


def test_edge_list_csv_streams_rows(submitted):
    from analysis import network

    data = text(export.edge_list_csv(network.build_graph(submitted), "rfc4180"))
    assert data.decode().splitlines()[0].startswith("source,source_name")
