"""The results of one survey, from the database to what the results pages, downloads and the
report show. One module per job:

* `dataset`: the bridge to `analysis` — one survey's answers as an `analysis.Dataset`, the
  questions of the exports, streamed response rows;
* `cache`: the data stamp and the per-process cache of datasets, networks and page data;
* `filters`: the results page's filters, as carried in the query string;
* `charts`: who looks (`Viewer`) and every chart of the page with its table;
* `sentences`: the coverage gaps and dense spots in words;
* `files`: file names of downloads and the clock of page stamps.

The page data itself is `services/results_page`.

Privacy decisions (analysts = users without planner rights):

* No contact data: the organisation of a response falls back to the register name or a neutral
  "Einrichtung <n>", never to the invitation's e-mail address; contact questions
  (`dataset.CONTACT_KEYS`, e.g. "who can we ask?") are left out of every result and of the analysts'
  exports. Planners keep them in the responses CSV, which they need for queries back.
* No names: analysts' datasets and row downloads name every organisation (respondents, register
  actors, partners) by its stored random code (`pseudonyms`, stable across the waves of a series);
  questions that ask for the organisation's own name (`dataset.NAME_KEYS`) are left out like contact
  questions. Whether analysts get row-level downloads at all is `row_access`.
* Small numbers (`MIN_GROUP_SIZE`): question charts and tables, actor counts and response rates
  hide cells of 1 … min−1 respondents. Coverage and network views are shown whole or not at all:
  they are hidden when fewer than min respondents reported offers / partners. Their cells count
  *offers* and *ties*, which providers publish anyway, and a cell with one offer is exactly the
  thin spot the coverage view exists to show.
"""
