"""The web pages' texts: one catalog (hotline/web/texts.yaml), used by name through say().

Every name the code passes to say() is in the catalog with the values its text needs, and
every entry of the catalog is used; say() gives the bilingual line the pages show.
"""

from __future__ import annotations

import ast
import pathlib
import re
import string

from hotline.web import texts
from hotline.web.texts import say

ROOT = pathlib.Path(__file__).resolve().parents[2]
HANGUL = re.compile("[\uac00-\ud7af]")


def say_calls(root: pathlib.Path) -> list[tuple[str, int, str | None, set[str]]]:
    """Every say() call of the modules under root/hotline that import it from
    hotline.web.texts: (path:line, the name or None when not a literal, keyword names)."""
    calls = []
    for path in sorted((root / "hotline").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.asname or alias.name for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module == "hotline.web.texts"
                    for alias in node.names if alias.name == "say"}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in imported):
                first = node.args[0] if node.args else None
                name = (first.value if isinstance(first, ast.Constant)
                        and isinstance(first.value, str) else None)
                where = f"{path.relative_to(root)}:{node.lineno}"
                calls.append((where, name, {k.arg for k in node.keywords if k.arg}))
    return calls


def placeholders(name: str) -> set[str]:
    return {field for part in texts.CATALOG[name]
            for _, field, _, _ in string.Formatter().parse(part) if field}


def test_every_name_the_code_uses_is_in_the_catalog_with_the_values_it_needs():
    calls = say_calls(ROOT)
    assert len(calls) > 50, "the web pages say their texts through the catalog"
    assert [w for w, name, _ in calls if name is None] == [], "say() takes a literal name"
    missing = [f"{w}: {name}" for w, name, _ in calls if name not in texts.CATALOG]
    assert missing == []
    wrong = [f"{w}: {name} gets {sorted(given)}, needs {sorted(placeholders(name))}"
             for w, name, given in calls if name and given != placeholders(name)]
    assert wrong == []


def test_every_catalog_entry_is_used():
    used = {name for _, name, _ in say_calls(ROOT)}
    assert sorted(set(texts.CATALOG) - used) == []


def test_every_entry_has_its_korean_text():
    assert [name for name, parts in texts.CATALOG.items()
            if not any(HANGUL.search(part) for part in parts)] == []


def test_the_scan_sees_a_name_missing_from_the_catalog(tmp_path):
    (tmp_path / "hotline").mkdir()
    (tmp_path / "hotline" / "page.py").write_text(
        "from hotline.web.texts import say\n"
        "A = say('entry_saved', name='x')\n"
        "B = say(NAME)\n", encoding="utf-8")
    assert say_calls(tmp_path) == [("hotline/page.py:2", "entry_saved", {"name"}),
                                   ("hotline/page.py:3", None, set())]


def test_say_gives_both_languages_in_the_pages_order_with_the_values():
    assert say("entry_saved", name="Seoul clinic") == "저장했어요. Saved: Seoul clinic"
    assert say("login_throttled", minutes=3) == (
        "Too many failed attempts. Try again in 3 min. "
        "로그인 시도가 너무 많아요. 3분 뒤에 다시 해 주세요.")
    assert say("outcome_recorded", rid="r1", label="완료 Done") == "요청 r1: 완료 Done"
    assert say("nav_queue") == "대기열 Queue"


def test_the_catalog_reads_korean_first_unless_an_entry_says_english_first(tmp_path):
    path = tmp_path / "texts.yaml"
    path.write_text('a: {ko: "가", en: "A"}\nb: {first: en, ko: "나", en: "B {n}"}\n',
                    encoding="utf-8")
    assert texts.load(path) == {"a": ("가", "A"), "b": ("B {n}", "나")}
