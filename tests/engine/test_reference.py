"""The staff guide ivr_scripts/README.md: its node reference matches the code, its examples work."""

from __future__ import annotations

import pathlib
import re

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.engine.lint import lint
from hotline.engine.loader import parse_script
from hotline.engine.model import NODE_TYPES, PHRASES
from hotline.engine.reference import BEGIN, END, node_reference, update_section

README = pathlib.Path(__file__).resolve().parents[2] / "ivr_scripts" / "README.md"


def test_readme_node_reference_is_up_to_date():
    text = README.read_text(encoding="utf-8")
    assert update_section(text) == text, "run `hotline scripts docs` and commit the README"


def test_every_node_type_is_documented_with_an_example():
    reference = node_reference()
    for kind, cls in NODE_TYPES.items():
        assert f"### `{kind}`" in reference
        assert cls.__doc__ and cls.example, f"node type {kind} needs a docstring and an example"


@pytest.mark.parametrize("kind", sorted(NODE_TYPES))
def test_each_node_example_loads(kind):
    example = NODE_TYPES[kind].example
    node_id = example.split(":", 1)[0]
    body = "\n".join("  " + line for line in example.splitlines())
    text = (f"spec_version: 1\nstart: {node_id}\nlanguages: {{ko: {{name: 한국어}}, "
            f"en: {{name: English}}}}\nnodes:\n{body}\n")
    script = parse_script(text)
    assert type(script.nodes[node_id]) is NODE_TYPES[kind]


def test_every_engine_phrase_is_explained():
    text = README.read_text(encoding="utf-8")
    for name in PHRASES:
        assert f"| `{name}` |" in text


def test_the_complete_example_lints_without_a_single_problem():
    text = README.read_text(encoding="utf-8")
    section = text.split("## A complete small example", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert example is not None
    problems = lint(parse_script(example.group(1), file="example.yaml"))
    assert [str(p) for p in problems] == []


def test_docs_command_rewrites_only_the_marked_section(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Guide\n\nintro\n\n{BEGIN}\nold text\n{END}\n\nafter\n",
                      encoding="utf-8")
    check = CliRunner().invoke(main, ["scripts", "docs", "--check", str(readme)])
    assert check.exit_code == 1 and "out of date" in check.stderr
    assert CliRunner().invoke(main, ["scripts", "docs", str(readme)]).exit_code == 0
    written = readme.read_text(encoding="utf-8")
    assert written.startswith("# Guide\n\nintro\n\n") and written.endswith(f"{END}\n\nafter\n")
    assert "old text" not in written and "### `menu`" in written
    again = CliRunner().invoke(main, ["scripts", "docs", "--check", str(readme)])
    assert again.exit_code == 0


def test_docs_command_without_markers_is_a_clear_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Guide\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scripts", "docs", str(readme)])
    assert result.exit_code == 1 and "markers are missing" in result.stderr
