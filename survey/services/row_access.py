"""Who gets row-level results data (one row per respondent or organisation), and the planner's
setting that shares it with analysts.

Planners (and admins) always get everything. Analysts get row-level data — the responses, offers
and partners CSVs, the actors list, the network edge list and GraphML, the workbook's row sheets —
only when all of these hold (`refusal` says in German which one does not):

* the planner shares it for this survey (`Survey.rows_for_analysts`, off by default);
* the survey is not confidential (`Survey.confidential`: its texts promise that single answers are
  not passed on by name; set by the template that says so). While it is, sharing is refused;
* the filter leaves at least `MIN_GROUP_SIZE` organisations (responses).

Shared rows are pseudonymised (`services/pseudonyms.py`: a stored random code per organisation,
stable across the waves of a series; names, contact data and name questions never appear), carry
no district, sector or provider type of the organisation (`privacy.FILTER_KEYS`: those come only
through a filter, which must leave `MIN_GROUP_SIZE` organisations) and carry free texts only when
the planner includes them too (`Survey.rows_free_text`).
"""

from __future__ import annotations

from ..models import Survey
from .surveys import SurveyError


def shared(survey: Survey) -> bool:
    """Does the planner share row-level data of `survey` with analysts (and may they)?"""
    return bool(survey.rows_for_analysts) and not survey.confidential


def free_text(survey: Survey) -> bool:
    """… including the free texts (on the page, in the report and in the rows)?"""
    return shared(survey) and bool(survey.rows_free_text)


CONFIDENTIAL = ("Den Antwortenden dieser Befragung ist zugesagt, dass einzelne Einschätzungen nicht namentlich "
                "weitergegeben werden. Einzeldaten gibt es deshalb nur für die Planung; Auswertende sehen die "
                "zusammengefassten Ergebnisse.")
NOT_SHARED = ("Einzeldaten (eine Zeile je Einrichtung) gibt die Planung dieser Befragung nicht an Auswertende "
              "weiter. Die zusammengefassten Ergebnisse sehen Sie auf der Ergebnisseite; für Einzeldaten wenden "
              "Sie sich an die Planung.")


def too_few(min_group: int) -> str:
    return (f"Mit diesem Filter bleiben weniger als {min_group} Einrichtungen übrig. Einzeldaten gibt es für "
            f"Auswertende erst ab {min_group} Einrichtungen, damit niemand an seinen Antworten zu erkennen ist. "
            "Wählen Sie einen weiter gefassten Filter (weniger Einschränkungen).")


def refusal(survey: Survey, planner: bool, min_group: int, organisations: int) -> str:
    """Why this viewer may not download row-level data for a filter leaving `organisations`
    responses ("" when they may)."""
    if planner:
        return ""
    if survey.confidential:
        return CONFIDENTIAL
    if not survey.rows_for_analysts:
        return NOT_SHARED
    if organisations < min_group:
        return too_few(min_group)
    return ""


def set_sharing(survey: Survey, rows: bool, free_texts: bool) -> None:
    """The planner's setting; sharing a confidential survey is refused (German `SurveyError`)."""
    if rows and survey.confidential:
        raise SurveyError("Einzeldaten können bei dieser Befragung nicht an Auswertende weitergegeben werden: "
                          "Ihre Texte sagen den Antwortenden zu, dass einzelne Einschätzungen nicht namentlich "
                          "weitergegeben werden (vertrauliche Befragung).")
    survey.rows_for_analysts = rows
    survey.rows_free_text = free_texts if rows else False
