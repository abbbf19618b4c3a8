"""Comparing survey waves: the same inventory repeated, and how the prevention chain changed.

Everything takes a sequence of `Wave`s in chronological order (oldest first). Questions are matched
by key (keys are stable across waves), answer options by code. Only submitted responses count.
One module per comparison, each stating its decisions:

* `wave`: a wave (label and dataset) and what every comparison shares;
* `questions`: answers per question, option by option (percentage points between waves);
* `coverage`: offers new, ended and not reported, and the coverage matrix over the waves;
* `networks`: ties won and lost, density and centralisation;
* `response`: the response overview of each wave;
* `series`: indicators over the whole series (trend chart) and all responses in one CSV.
"""
