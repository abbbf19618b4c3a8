"""The compact answer values of an in-memory dataset equal the decoded answers they replace."""

import json
import pickle

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.compact import Compactor, Entry

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 3000), st.floats(allow_nan=False),
                    st.sampled_from(["kita", "schule", "", "Sprechstunde"]), st.text(max_size=4))
entries = st.dictionaries(st.sampled_from(["name", "art", "art/other", "seit", "lebensphasen"]),
                          st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=5)
answers = st.dictionaries(st.sampled_from(["akteur.name", "akteur.stadtteile", "angebote.angebote", "x.y"]),
                          st.one_of(scalars, st.lists(scalars, max_size=4), st.lists(entries, max_size=3)),
                          max_size=4)


def _plain(value):
    if isinstance(value, Entry):
        value = dict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_minus_zero_is_not_pooled_with_zero():
    """A pool keyed by value would hand back 0.0 for -0.0 (they compare equal) and change an export."""
    compactor = Compactor()
    compactor.values({"x.y": 0.0, "a.b": [0.0]})
    later = compactor.values({"x.y": -0.0, "a.b": [-0.0]})
    assert str(later["x.y"]) == "-0.0" and str(later["a.b"][0]) == "-0.0"


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)
@given(st.lists(answers, max_size=4))
def test_compact_values_equal_the_answers_and_read_like_them(responses):
    compactor = Compactor()
    for values in responses:
        compact = compactor.values(values)
        assert compact == values
        assert json.dumps(_plain(compact)) == json.dumps(values)  # also -0.0 stays -0.0 (== cannot tell)
        assert json.loads(json.dumps(values)) == compact  # compare after a JSON round trip (as stored)
        assert pickle.loads(pickle.dumps(compact)) == values
        for key, value in values.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for entry, given_entry in zip(compact[key], value, strict=True):
                    assert isinstance(entry, Entry)
                    assert dict(entry) == given_entry and list(entry) == list(given_entry)
                    assert entry.get("missing") is None and ("name" in entry) == ("name" in given_entry)
                    assert {**entry} == given_entry


def test_equal_codes_and_code_lists_are_shared_between_responses():
    compactor = Compactor()
    first = compactor.values(json.loads('{"a": "kita", "b": ["x", "y"], "c": [{"art": "kita"}]}'))
    second = compactor.values(json.loads('{"a": "kita", "b": ["x", "y"], "c": [{"art": "kita"}]}'))
    assert first["a"] is second["a"] and first["b"] is second["b"]
    assert first["c"][0]["art"] is second["a"]
    assert compactor.values({"b": [True]})["b"][0] is True and compactor.values({"b": [1]})["b"][0] is not True
