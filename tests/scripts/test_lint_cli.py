"""`hotline scripts lint|test`: what staff see in a terminal, and the exit codes."""

from __future__ import annotations

import copy
import json
import pathlib

from click.testing import CliRunner

from hotline.cli import main
from tests.engine.test_lint import GOOD


def _write(directory, name: str, data) -> None:
    (directory / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _bad():
    data = copy.deepcopy(GOOD)
    data["nodes"]["info"]["goto"] = "nowhere"
    data["nodes"]["info"]["text"]["ko"] = "가까운 클리닉"  # a loanword: a warning
    return data


def test_lint_reports_file_node_message_and_fails(tmp_path):
    _write(tmp_path, "good.yaml", GOOD)
    _write(tmp_path, "bad.yaml", _bad())
    result = CliRunner().invoke(main, ["scripts", "lint", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{tmp_path / 'bad.yaml'}:info: goto 'nowhere' is not a node" in lines
    assert any(line.startswith(f"{tmp_path / 'bad.yaml'}:info: warning: ") for line in lines)
    assert lines[-1] == "FAILED: 1 error, 1 warning in 2 scripts"


def test_lint_passes_with_warnings_only(tmp_path):
    data = copy.deepcopy(GOOD)
    data["nodes"]["info"]["text"]["ko"] = "셸터 안내"
    _write(tmp_path, "main.yaml", data)
    result = CliRunner().invoke(main, ["scripts", "lint", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "ok: 0 errors, 1 warning in 1 script"


def test_lint_json(tmp_path):
    _write(tmp_path, "bad.yaml", _bad())
    result = CliRunner().invoke(main, ["scripts", "lint", "--json", str(tmp_path)])
    assert result.exit_code == 1
    rows = json.loads(result.output)
    assert {(r["node"], r["severity"]) for r in rows} == {("info", "error"), ("info", "warning")}
    assert all(r["file"] == str(tmp_path / "bad.yaml") for r in rows)


def test_lint_ignores_transcripts_and_sample_data(tmp_path):
    _write(tmp_path, "main.yaml", GOOD)
    (tmp_path / "main.test.yaml").write_text("tests: []\n", encoding="utf-8")
    (tmp_path / "oncall.sample.yaml").write_text("shifts: []\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scripts", "lint", str(tmp_path)])
    assert result.exit_code == 0, result.output


def test_lint_broken_yaml_is_a_problem_not_a_traceback(tmp_path):
    (tmp_path / "main.yaml").write_text("nodes: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scripts", "lint", str(tmp_path)])
    assert result.exit_code == 1
    assert "not valid YAML" in result.output and "Traceback" not in result.output


def test_lint_missing_directory_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["scripts", "lint", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no scripts directory" in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_lint_defaults_to_hotline_scripts_dir(tmp_path):
    _write(tmp_path, "bad.yaml", _bad())
    result = CliRunner(env={"HOTLINE_SCRIPTS_DIR": str(tmp_path)}).invoke(
        main, ["scripts", "lint"])
    assert result.exit_code == 1 and "bad.yaml:info:" in result.output


def test_shipped_scripts_lint_clean_from_the_command():
    shipped = pathlib.Path(__file__).resolve().parents[2] / "ivr_scripts"
    result = CliRunner().invoke(main, ["scripts", "lint", str(shipped)])
    assert result.exit_code == 0, result.output


TRANSCRIPTS = """\
script: t
tests:
  - name: counselling is free
    channel: sms
    steps:
      - send: 안녕하세요
        expect: 고르세요
      - send: "1"
        expect: 무료
  - name: a wrong expectation
    channel: sms
    steps:
      - send: 안녕하세요
        expect: 이 말은 없어요
"""


def test_scripts_test_runs_transcripts_and_fails_on_a_failure(tmp_path):
    # The transcripts run on their own embedded Redis (hotline.transcripts.isolated).
    _write(tmp_path, "t.yaml", GOOD)
    (tmp_path / "t.test.yaml").write_text(TRANSCRIPTS, encoding="utf-8")
    result = CliRunner().invoke(main, ["scripts", "test", str(tmp_path)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert f"PASS {tmp_path / 't.test.yaml'}: counselling is free" in lines
    assert f"FAIL {tmp_path / 't.test.yaml'}: a wrong expectation" in lines
    assert lines[-1] == "FAILED: 1 passed, 1 failed"

    (tmp_path / "t.test.yaml").write_text(TRANSCRIPTS.split("  - name: a wrong")[0],
                                          encoding="utf-8")
    result = CliRunner().invoke(main, ["scripts", "test", "--json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [(r["name"], r["passed"]) for r in json.loads(result.output)] == [
        ("counselling is free", True)]


def test_lint_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "main.yaml").write_bytes("nodes: 한국어".encode("cp949"))
    result = CliRunner().invoke(main, ["scripts", "lint", str(tmp_path)])
    assert result.exit_code == 1 and "main.yaml: not UTF-8 text" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_scripts_test_with_a_broken_script_says_so_without_a_traceback(tmp_path):
    (tmp_path / "t.yaml").write_text("spec_version: 1\nnodes: {a: {type: nope}}\n",
                                     encoding="utf-8")
    (tmp_path / "t.test.yaml").write_text(TRANSCRIPTS, encoding="utf-8")
    result = CliRunner().invoke(main, ["scripts", "test", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown node type 'nope'" in result.stderr and "do not load" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
