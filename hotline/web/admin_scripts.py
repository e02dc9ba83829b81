"""/admin/scripts: edit a script's YAML, check it, test the draft on a simulated phone,
publish it, see the history with diffs, roll back. Staff only.

The text staff write is kept exactly (comments and layout included): it is only parsed,
never rewritten. check, draft, tests and simulate answer JSON for the page's script
(static/scripts.js); publish and rollback are plain forms.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hotline import keys as hotline_keys
from hotline.callbacks.queue import expected_hours
from hotline.config import Settings
from hotline.directory.capability import search_directory
from hotline.directory.search import get_index
from hotline.engine.lint import errors
from hotline.engine.loader import Problem
from hotline.scripts import drafts as script_drafts
from hotline.scripts import live as live_scripts
from hotline.scripts import simulator as script_simulator
from hotline.scripts import versions as script_versions
from hotline.scripts.scriptset import ScriptSet
from hotline.web import lint_words, runtime
from hotline.web.auth import current_user, log_action, login_required
from hotline.web.texts import say

bp = Blueprint("admin_scripts", __name__, url_prefix="/admin/scripts")


class ReadOnlyDeps:
    """What the simulator reads from the running hotline: the directory, the usual wait."""

    def __init__(self, conn: Any, config: Settings):
        self.conn = conn
        self.config = config

    def search(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        """Search the staff's directory as a caller would (nothing is written)."""
        try:
            index = get_index(self.conn, hotline_keys.prefix(self.config))
            return search_directory(index, params, now)
        except (redis.RedisError, OSError):
            return {}

    def callback_hours(self) -> int:
        """Hours a caller usually waits for a call back (as the real node is told)."""
        try:
            return expected_hours(self.conn, self.config)
        except (redis.RedisError, OSError):
            return int(self.config.callback_hours or 24)


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{"file": p.file, "node": p.node, "message": p.message, "line": p.line,
             "severity": p.severity, "korean": lint_words.in_korean(p.message),
             "severity_name": lint_words.severity_name(p.severity)} for p in problems]


def _summary(problems: list[Problem]) -> str:
    """The count line in Korean ("오류 1개, 경고 2개")."""
    failing = len(errors(problems))
    return say("lint_summary", errors=failing, warnings=len(problems) - failing)


def _user() -> str:
    user = current_user()
    assert user is not None  # login_required ran
    return str(user.name)


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def _live() -> tuple[int, dict[str, str]]:
    app = runtime()
    return script_versions.live_texts(app.redis, app.config)


def _file(name: str | None) -> str:
    """The file being edited: the one asked for if it is live, else main.yaml, else the first."""
    _, live = _live()
    if name and name in live:
        return name
    return "main.yaml" if "main.yaml" in live or not live else min(live)


def _draft_set(file: str, text: str) -> dict[str, str]:
    """The whole set as the page has it: live texts, this account's draft, this text."""
    app = runtime()
    _, live = _live()
    draft = script_drafts.load(app.redis, app.config, _user())
    edited = dict(draft.texts) if draft else {}
    edited[file] = text
    return script_drafts.overlay(live, edited)


def _editor(file: str | None = None, text: str | None = None, problems: Any = None,
            status: int = 200, message: str = "") -> Any:
    app = runtime()
    base, live = _live()
    name = _file(file or request.args.get("file"))
    draft = script_drafts.load(app.redis, app.config, _user())
    drafted = draft is not None and name in draft.texts
    if text is None:
        text = draft.texts[name] if draft and drafted else live.get(name, "")
    if draft and drafted and draft.base != base and not message:
        message = (f"Your draft started from version {draft.base}; version {base} was "
                   "published since. Publishing your draft replaces it: see its history.")
    languages: list[tuple[str, str]] = []
    try:
        entry = ScriptSet(script_simulator.compiled(live)).entry()
        languages = [(code, lang.name) for code, lang in entry.languages.items()]
    except Exception:  # noqa: BLE001  a live set that does not load still gets its editor
        languages = []
    versions = script_versions.history(app.redis, app.config)[:5]
    return render_template(
        "admin/scripts.html", file=name, files=sorted(live), text=text,
        base=base, drafted=drafted, draft=draft, problems=problems, message=message,
        languages=languages, versions=versions, when=_when), status


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


@bp.route("/")
@login_required(role="staff")
def index() -> Any:
    """The editor with its simulator."""
    return _editor()


@bp.post("/check")
@login_required(role="staff")
def check() -> Any:
    """Lint the draft set (this text in place of the file) and answer the problems."""
    data = _payload()
    texts = _draft_set(_file(str(data.get("file") or "")), str(data.get("text") or ""))
    problems = script_versions.check_texts(texts)
    return {"problems": _problems(problems), "errors": len(errors(problems)),
            "warnings": len(problems) - len(errors(problems)), "summary": _summary(problems),
            "publishable": say("lint_publishable")}


@bp.post("/draft")
@login_required(role="staff")
def save_draft() -> Any:
    """Keep the text as this account's draft, lint it, and start its transcript tests."""
    app, data = runtime(), _payload()
    file, text = _file(str(data.get("file") or "")), str(data.get("text") or "")
    if len(text) > script_versions.MAX_TEXT:
        return {"error": "the text is too long"}, 413
    base, _ = _live()
    script_drafts.save(app.redis, app.config, _user(), file, text, base, app.clock())
    texts = _draft_set(file, text)
    problems = script_versions.check_texts(texts)
    run = script_drafts.request_tests(app.redis, app.config, texts)
    return {"problems": _problems(problems), "errors": len(errors(problems)),
            "warnings": len(problems) - len(errors(problems)), "summary": _summary(problems),
            "publishable": say("lint_publishable"), "run": run,
            "tests_url": url_for("admin_scripts.tests", run=run)}


@bp.get("/tests/<run>")
@login_required(role="staff")
def tests(run: str) -> Any:
    """The results of a draft's transcript tests (status queued until a worker ran them)."""
    app = runtime()
    found = script_drafts.results(app.redis, app.config, run[:64])
    if found is None:
        return {"status": "unknown"}, 404
    return found


@bp.post("/draft/discard")
@login_required(role="staff")
def discard_draft() -> Any:
    """Drop this account's draft: the editor shows the live text again."""
    app = runtime()
    script_drafts.discard(app.redis, app.config, _user())
    flash(say("draft_discarded"), "ok")
    return redirect(url_for("admin_scripts.index", file=request.form.get("file") or None))


@bp.post("/simulate")
@login_required(role="staff")
def simulate() -> Any:
    """One turn of the simulated phone on the draft set; nothing is kept for any caller."""
    app, data = runtime(), _payload()
    texts = _draft_set(_file(str(data.get("file") or "")), str(data.get("text") or ""))
    session = data.get("session") if isinstance(data.get("session"), dict) else None
    try:
        turn = script_simulator.simulate(
            texts, str(data.get("channel") or "sms"), str(data.get("language") or ""),
            str(data.get("action") or "start"), str(data.get("value") or "")[:500], session,
            ReadOnlyDeps(app.redis, app.config), app.clock())
    except script_simulator.SimulatorError as exc:
        return {"error": str(exc)}, 400
    return turn.to_dict()


@bp.post("/publish")
@login_required(role="staff")
def publish() -> Any:
    """Publish the draft set as a new version; refused with the lint errors shown."""
    app = runtime()
    file = _file(request.form.get("file"))
    text = request.form.get("text", "").replace("\r\n", "\n")
    message = request.form.get("message", "").strip()[:200]
    base, _ = _live()
    if request.form.get("base") != str(base):
        latest = script_versions.current(app.redis, app.config)
        who = f" by {latest.by} at {_when(latest.at)}" if latest else ""
        return _editor(file, text, status=409, message=(
            f"Not published: version {base} was published{who} after you opened this page. "
            "Copy your changes, reload, and apply them again."))
    texts = _draft_set(file, text)
    try:
        version, made = script_versions.publish(app.redis, app.config, texts, _user(),
                                                message, app.clock())
    except script_versions.LintFailed as exc:
        return _editor(file, text, problems=_problems(exc.problems), status=422,
                       message=say("publish_lint_failed", error=exc))
    script_drafts.discard(app.redis, app.config, _user())
    live_scripts.published()
    if made:
        log_action("script_published", f"v{version.number}")
        flash(say("published", number=version.number), "ok")
    else:
        flash(f"Nothing changed: version {version.number} is live.", "ok")
    return redirect(url_for("admin_scripts.index", file=file))


@bp.get("/history")
@login_required(role="staff")
def history() -> Any:
    """Every version: who published it, when, what changed."""
    app = runtime()
    versions = script_versions.history(app.redis, app.config)
    live = script_versions.current_number(app.redis, app.config)
    return render_template("admin/script_history.html", versions=versions, live=live,
                           when=_when)


@bp.get("/history/<int:number>")
@login_required(role="staff")
def version(number: int) -> Any:
    """One version: its diff against the version before it, and a rollback button."""
    app = runtime()
    versions = script_versions.history(app.redis, app.config)
    found = next((v for v in versions if v.number == number), None)
    if found is None:
        abort(404)
    before = script_versions.previous(versions, found)
    diff = script_versions.diff(before.texts if before else {}, found.texts,
                                f"v{before.number}" if before else "nothing", f"v{number}")
    live = script_versions.current_number(app.redis, app.config)
    return render_template("admin/script_version.html", version=found, before=before,
                           diff_lines=diff.splitlines(), live=live, when=_when)


@bp.post("/rollback/<int:number>")
@login_required(role="staff")
def rollback(number: int) -> Any:
    """Make an earlier version live again, as a new version."""
    app = runtime()
    try:
        made = script_versions.rollback(app.redis, app.config, number, _user(),
                                        request.form.get("message", "").strip()[:200],
                                        app.clock())
    except script_versions.VersionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin_scripts.version", number=number))
    live_scripts.published()
    log_action("script_rolled_back", f"v{made.number} = v{number}")
    flash(f"Version {made.number} published: the texts of version {number} are live again.",
          "ok")
    return redirect(url_for("admin_scripts.history"))

