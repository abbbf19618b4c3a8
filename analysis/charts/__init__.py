"""Charts as matplotlib `Figure`s (never pyplot): German labels, decimal comma, one palette.

Every chart states its question in the (wrapped) title and "n = …" at the top right, is sized for
A4 width (16 cm) and is turned into bytes with `frame.render(fig, "png" | "svg")`. Marks never rely on
colour alone: coverage gaps are hatched and labelled "Lücke", dense cells get a thick frame, and
respondents and non-responding partners have different marker shapes.

No pyplot and no global backend switch: `Figure.savefig` renders PNG through Agg by itself, so the
package is safe inside a web worker and leaves a notebook's backend alone. One module per job:

* `frame`: what every chart shares — size, palette, style, German tick labels, wrapping and
  fitting text, title and "n = …", placeholders, rendering to bytes;
* `answers`: the charts of single questions (bars, histogram, Likert, free texts);
* `response`: the response over time;
* `heatmaps`: coverage and sector × sector heatmaps;
* `network`: the partner network drawing and its label placement;
* `defaults`: which chart a question gets.

Comparisons of waves are drawn by `analysis.wave_charts`.
"""
