"""Script files fed to the linter and the loader, however broken: no exception escapes.

Each file gives either a clean load or problems that name the file (a clear lint error);
a script the linter passes also loads and starts a conversation on both channels.
Two kinds of input: arbitrary text (often not YAML at all), and the good test script with
one part swapped for some other YAML value (a list for a mapping, a number for a text,
null, a deep nest, a huge string), which reaches much further into the loader.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.engine.inputs import Begin, Digits, Text
from hotline.engine.lint import errors, lint
from hotline.engine.loader import ScriptError, load_script
from hotline.engine.runner import step
from tests.engine.test_lint import GOOD

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True), st.text(max_size=30),
                    st.sampled_from(["", "menu", "info", "ask", "bye", "ko", "en", "{key}",
                                     "{hours}", "{emergency}", "nowhere", "가" * 400]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def paths(data, prefix=()):
    """Every place in the script a value can be swapped: (key, key, ...)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*prefix, index))


PATHS = [p for p in paths(GOOD) if p]


def swapped(path, value):
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def check_file(path) -> None:
    """The promise for one file: problems naming it, or a clean load that runs."""
    problems = lint(str(path))  # must not raise
    assert all(str(p).startswith(str(path)) and p.message for p in problems), problems
    try:
        script = load_script(str(path))
    except ScriptError as exc:
        assert exc.problems and errors(problems), "the loader refused what lint passed"
        return
    except (UnicodeDecodeError, OSError):
        assert errors(problems)
        return
    if errors(problems):
        return  # loads, but lint says it would break a live call: it is not published
    for channel in ("sms", "voice"):
        result = step(script, None, Begin(channel, text="안녕하세요"), now=0.0)
        for event in (Digits("1"), Text("아무말"), Digits("9")):
            result = step(script, result.session, event, now=1.0)


@SETTINGS
@given(text=st.one_of(st.text(max_size=400), st.binary(max_size=200).map(
    lambda b: b.decode("latin-1"))))
def test_any_text_as_a_script_gives_problems_or_a_script(tmp_path, text):
    path = tmp_path / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8")
    check_file(path)


@SETTINGS
@given(where=st.sampled_from(PATHS), value=VALUES)
@example(where=("languages", "ko", "keywords"), value=True)  # found: TypeError escaped lint
@pytest.mark.slow
def test_the_good_script_with_any_part_swapped_gives_problems_or_a_script(tmp_path, where,
                                                                          value):
    path = tmp_path / "swapped.yaml"
    path.write_text(json.dumps(swapped(where, value), ensure_ascii=False), encoding="utf-8")
    check_file(path)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_bytes_that_are_not_utf8_give_a_clear_problem(tmp_path, data):
    path = tmp_path / "bytes.yaml"
    path.write_bytes(b"spec_version: 1\nname: \xff\xfe" + data)
    problems = lint(str(path))
    assert errors(problems) and all(str(p).startswith(str(path)) for p in problems)


def test_the_good_script_itself_is_clean(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    assert not errors(lint(str(path)))
    check_file(path)
