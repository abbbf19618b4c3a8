"""The coverage matrix in words: its gaps and dense spots, as the results page says them."""

from __future__ import annotations

from collections.abc import Sequence

from analysis import coverage
from questionnaires import formatting as fmt


def gap_sentences(matrix: coverage.CoverageMatrix) -> list[str]:
    """The gaps of a life phase × district matrix in words, one sentence per life phase."""
    by_row: dict[int, list[str]] = {}
    for r, c in sorted(matrix.gaps):
        by_row.setdefault(r, []).append(matrix.columns[c].label)
    sentences = []
    for r, columns in by_row.items():
        if len(columns) == len(matrix.columns) - len(matrix.excluded_columns):
            sentences.append(f"{matrix.rows[r].label}: in keinem {matrix.column_title} ein Angebot.")
        else:
            sentences.append(f"{matrix.rows[r].label}: kein Angebot in {_join_words(columns)}.")
    return sentences


def dense_sentences(matrix: coverage.CoverageMatrix) -> list[str]:
    return [f"{matrix.rows[r].label} in {matrix.columns[c].label}: {fmt.number(matrix.counts[r][c])} Angebote."
            for r, c in sorted(matrix.dense)]


def _join_words(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " und " + words[-1]
