"""Every Redis key and RQ job id is named in hotline/keys.py, and only there: no other
module reads KEY_PREFIX or writes a key's shape ("cb:req:", "urgent:case:" ...), and every
Lua script gets its keys through KEYS."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hotline import keys
from hotline.config import load_config
from hotline.keys import Keys

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.joinpath("hotline").rglob("*.py"), *ROOT.joinpath("workers").rglob("*.py")])
OWNERS = {"hotline/keys.py", "hotline/config.py"}  # the keys, and where the prefix is read in
# Moving in the pipeline branch at the same time; switched to hotline.keys when merged.
NOT_YET: set[str] = set()

# The first part of every key family under the prefix (from hotline/keys.py itself).
FAMILIES = sorted({m.group(1) for m in re.finditer(
    r'\{(?:self\.)?prefix\}([a-z]+):', ROOT.joinpath("hotline/keys.py").read_text())}
    | {"cb", "urgent", "dir"})
# A string that starts a key: a family and a colon, then more (`cb:req:`, `session:{h}`).
KEY_SHAPE = re.compile(rf"^(?:hotline:)?(?:{'|'.join(FAMILIES)}):(?:[a-z*]|$)")


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _reads_prefix(node: ast.AST) -> bool:
    """config.key_prefix (a read), or the old config["KEY_PREFIX"] / config.get("KEY_PREFIX")."""
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        return node.attr == "key_prefix"
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "KEY_PREFIX"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return (node.func.attr == "get" and bool(node.args)
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == "KEY_PREFIX")
    return False


def _key_shapes(tree: ast.AST) -> list[str]:
    """String pieces (plain or inside f-strings) that begin a key of a known family."""
    docs = _docstrings(tree)
    docs |= {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for part in node.values}  # seen below, as parts of their f-string
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docs and KEY_SHAPE.match(node.value)):
            found.append(node.value)
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                if isinstance(part, ast.Constant) and KEY_SHAPE.match(str(part.value)):
                    found.append(str(part.value))
    return found


def _lua_builds_keys(text: str) -> bool:
    """A Lua script that makes a key from a prefix in ARGV ("p .. 'cb:'", ARGV[1] .. 'x')."""
    return bool(re.search(r"(\bp|ARGV\[\d+\])\s*\.\.\s*'[a-z]+:", text))


def test_the_families_are_read_from_keys_py():
    assert {"session", "rate", "replay", "stats", "vol", "user", "cb", "urgent", "dir"} <= set(FAMILIES)


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_no_module_but_keys_py_knows_the_prefix_or_a_key_shape(path):
    name = _name(path)
    if name in OWNERS:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = [node.lineno for node in ast.walk(tree) if _reads_prefix(node)]  # type: ignore[attr-defined]
    shapes = _key_shapes(tree)
    if name in NOT_YET:
        return
    assert not reads, f"{name} reads KEY_PREFIX (lines {reads}): ask hotline.keys instead"
    assert not shapes, f"{name} spells Redis keys {shapes}: name them in hotline/keys.py"


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_every_lua_script_gets_its_keys_through_KEYS(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "redis.call" in node.value:
            assert not _lua_builds_keys(node.value), f"{_name(path)}: a Lua script builds a key"


def test_the_guard_catches_what_it_is_for():
    """The checks above would fail on the old code (so they cannot pass vacuously)."""
    old = ast.parse('def k(config, h):\n    return f"{config.get(\'KEY_PREFIX\')}session:{h}"\n'
                    'KEY = config["KEY_PREFIX"] + "cb:req:" + rid\n'
                    'OTHER = config.key_prefix + "cb:req:" + rid\n')
    assert sum(_reads_prefix(node) for node in ast.walk(old)) == 3
    assert _key_shapes(old) == ["session:", "cb:req:", "cb:req:"]
    assert _lua_builds_keys("local okey = p .. 'cb:req:' .. open")
    assert _lua_builds_keys("redis.call('SADD', ARGV[1] .. 'cb:mine:' .. ARGV[5], ARGV[2])")
    assert not _lua_builds_keys("local key = KEYS[6] .. id")


def test_keys_live_under_the_configured_prefix():
    k = keys.of(load_config({"KEY_PREFIX": "t:"}, environ={}))
    assert k.session("h") == "t:session:h"
    assert k.callbacks.req("12") == "t:cb:req:12" == k.callbacks.req_stem + "12"
    assert k.urgent.case("K7Q") == "t:urgent:case:K7Q" == k.urgent.case_stem + "K7Q"
    assert k.directory.sms("ab") == "t:dir:sms:ab"
    assert keys.of(load_config({}, environ={})).optout == "hotline:optout" == Keys().optout
    assert keys.nested(load_config({"KEY_PREFIX": "t:"}, environ={}), "transcript-1") == "t:transcript-1:"


JOB_ID = re.compile(r"^[A-Za-z0-9_-]+$")  # what RQ accepts


def test_job_ids_use_only_what_rq_accepts():
    made = [keys.call_job("1001", 1_800_000_000.5), keys.requeue_job("1001", 2),
            keys.autoclose_job("1001"), keys.tried_job("1001"), keys.purge_job(12),
            keys.urgent_step_job("K7Q", 0), keys.urgent_all_job("K7Q"),
            keys.urgent_sms_job("K7Q", "relay-3", "v12"), keys.script_tests_job("ab12"),
            keys.directory_sms_job("ff00"), keys.urgent_sms_job("K7Q", "odd:what", "v 1")]
    assert all(JOB_ID.match(job) for job in made), made
    assert keys.purge_slot(keys.purge_job(12)) == 12 and keys.purge_slot("tried-1") is None
    prefixes, ids = keys.callback_jobs("1001")
    assert made[0].startswith(tuple(prefixes)) and made[1].startswith(tuple(prefixes))
    assert set(ids) == {made[2], made[3]}
    assert made[5].startswith(keys.urgent_jobs("K7Q"))
