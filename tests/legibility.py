"""Legibility of a rendered chart: the texts matplotlib drew, their boxes, overlaps and overflow.

"Overlap" means the boxes matplotlib reports for two drawn texts (`get_window_extent` with the
renderer that drew them, at the resolution charts are rendered at) intersect by more than a pixel.
"""

from __future__ import annotations

from unittest import mock

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis.charts import frame as chart_frame


def drawn_texts(fig: Figure) -> tuple[list[Text], object]:
    """Draw the figure; return the non-empty texts that were actually drawn and the renderer."""
    drawn: dict[int, Text] = {}
    original = Text.draw

    def spy(self: Text, renderer: object) -> None:
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn[id(self)] = self

    fig.set_dpi(chart_frame.DPI)  # as rendered: text widths do not scale exactly with the resolution
    canvas = FigureCanvasAgg(fig)
    with mock.patch.object(Text, "draw", spy):
        canvas.draw()
    return list(drawn.values()), canvas.get_renderer()


def legibility_problems(fig: Figure) -> list[str]:
    texts, renderer = drawn_texts(fig)
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    frame = fig.bbox
    problems = []
    for t, box in boxes:
        if box.x0 < frame.x0 - 1 or box.y0 < frame.y0 - 1 or box.x1 > frame.x1 + 1 or box.y1 > frame.y1 + 1:
            problems.append(f"leaves the figure: {t.get_text()!r}")
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if width > 1 and height > 1:
                problems.append(f"overlap: {a.get_text()!r} and {b.get_text()!r}")
    return problems
