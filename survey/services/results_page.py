"""What the results page shows, built once per data stamp, filters and viewer — for the page itself
and for the files prepared from it in the job worker (the PDF report, the workbook), which have
no request and so take the viewer as an argument."""

from __future__ import annotations

from dataclasses import replace
from typing import IO, Any

from analysis import keys as analysis_keys
from analysis import overview as overview_mod
from analysis import privacy, tables, workbook
from analysis.report import pdf as report_pdf
from questionnaires.kinds import KINDS
from questionnaires.model import Question

from ..models import Survey
from . import report as report_service
from . import row_access
from .results import cache as results_cache
from .results import charts as results_charts
from .results import dataset as results_dataset
from .results import files as results_files
from .results import filters as results_filters
from .results import sentences as results_sentences


def offer_options(dataset: Any, short: str) -> tuple:
    question = dataset.field(analysis_keys.OFFERS, short)
    return question.options if question else ()


def page(survey: Survey, filters: results_filters.Filters, viewer: results_charts.Viewer) -> tuple[Any, Any,
                                                                                                   dict[str, Any]]:
    """The filtered dataset, its cache key and the page's data (cached: the report reuses it)."""
    unfiltered, key = results_cache.dataset_for(survey, filters.include_drafts, viewer.planner)
    unfiltered = results_dataset.analysed(unfiltered)
    dataset = filters.apply(unfiltered)
    key = (key, filters)
    data = results_cache.cached(("page", key, viewer), lambda: page_data(unfiltered, dataset, filters, viewer, key))
    return dataset, key, data


def page_data(unfiltered: Any, dataset: Any, filters: results_filters.Filters, viewer: results_charts.Viewer,
              key: Any) -> dict[str, Any]:
    """Everything the results page shows, computed once per data stamp, filters and viewer."""
    coverage_charts = results_charts.coverage_charts(dataset, filters, viewer)
    district_matrix = coverage_charts[0].extra.get("matrix") if coverage_charts else None
    net = results_charts.network_view(dataset, key)
    network_charts = results_charts.network_charts(dataset, net, viewer)
    questions: list[tuple[Question, results_charts.Chart | None]] = []
    for question in dataset.questions:
        if not KINDS[question.kind].answerable:
            continue
        if question.key in (analysis_keys.OFFERS, analysis_keys.PARTNERS):
            questions.append((question, None))
            continue
        questions.append((question, results_charts.question_chart(dataset, question, viewer, filters)))
    for chart in network_charts + [c for _q, c in questions if c]:
        chart.rows  # noqa: B018 -- compute lazy tables now, not while rendering from the cache
    vocab = {
        "stadtteil": unfiltered.district_options, "handlungsfeld": unfiltered.sector_options,
        "traegerart": unfiltered.provider_type_options,
        "zielgruppe": offer_options(unfiltered, analysis_keys.OFFER_TARGET_GROUPS),
        "kosten": offer_options(unfiltered, analysis_keys.OFFER_COST),
        "setting": offer_options(unfiltered, analysis_keys.OFFER_SETTING),
    }
    brokers = (results_charts.broker_table(dataset, net) if net and network_charts and not network_charts[0].suppressed
               else None)
    data = {
        "overview": overview_mod.overview(dataset.invitations), "vocab": vocab,
        "overview_table": tables.overview_table(dataset, viewer),
        "response_chart": results_charts.overview_chart(dataset, viewer),
        "rate_tables": tables.rate_tables(dataset, viewer),
        "actor_charts": results_charts.actor_charts(dataset, viewer),
        "coverage_charts": coverage_charts,
        "gaps": results_sentences.gap_sentences(district_matrix) if district_matrix else [],
        "dense": results_sentences.dense_sentences(district_matrix) if district_matrix else [],
        "network_charts": network_charts, "net": net, "brokers": brokers,
        "questions": questions,
        "has_offers": dataset.question(analysis_keys.OFFERS) is not None,
        "has_partners": dataset.question(analysis_keys.PARTNERS) is not None,
    }
    data["tables"] = results_charts.page_tables(data)
    return data


def filter_description(dataset: Any, filters: results_filters.Filters) -> str:
    parts = []
    for codes, label in ((filters.districts, dataset.district_label), (filters.sectors, dataset.sector_label),
                         (filters.provider_types, dataset.provider_type_label)):
        if codes:
            parts.append(", ".join(label(c) for c in codes))
    text = "Filter: " + "; ".join(parts) if parts else "Alle Einrichtungen"
    return text + (" · einschließlich noch nicht abgeschickter Antworten" if filters.include_drafts else "")


def filtered_dataset(survey: Survey, filters: results_filters.Filters, viewer: results_charts.Viewer) -> Any:
    """The filtered dataset (contact data only for planners)."""
    return filters.apply(results_cache.dataset_for(survey, filters.include_drafts, viewer.planner)[0])


def report_bytes(survey: Survey, filters: results_filters.Filters, viewer: results_charts.Viewer) -> bytes:
    """The results page as an A4 report (tagged PDF): the page's cached data and chart images."""
    analysed, key, data = page(survey, filters, viewer)
    document = report_service.build(
        data, title=survey.title, kommune=survey.kommune.name, viewer=viewer, key=key,
        responses=sum(1 for r in analysed.responses if r.submitted), filters=filter_description(analysed, filters),
        today=results_files.today_berlin())
    return report_pdf(document)


def write_workbook(survey: Survey, filters: results_filters.Filters, viewer: results_charts.Viewer,
                   file: IO[bytes]) -> None:
    """Every table of the page as a sheet, plus the row sheets streamed from the database."""
    contacts = viewer.planner
    analysed, _key, data = page(survey, filters, viewer)
    questions = results_dataset.export_questions(survey, contacts)
    dataset = filtered_dataset(survey, filters, viewer)
    note = tables.suppression_note(viewer)
    refused = "" if contacts else row_access.refusal(survey, False, viewer.min_group, len(dataset.responses))
    if not contacts:
        questions = privacy.row_questions(questions, viewer.free_text)
        dataset = replace(dataset, questions=privacy.row_questions(dataset.questions, viewer.free_text),
                          actors=privacy.row_actors(dataset.actors))
    sheets = workbook.row_sheets(questions,
                                 lambda: results_dataset.stream_responses(survey, questions, filters, contacts),
                                 dataset)
    if refused:  # analysts without row-level data: the codebook only, and the note says why
        sheets = [s for s in sheets if s.name == "Codebuch"]
        note = " ".join(p for p in (note, "Keine Einzeldaten:", refused) if p)
    workbook.write_workbook(file, data["tables"], sheets, title=survey.title,
                            description=filter_description(analysed, filters),
                            privacy_note=note, created=results_files.now())
