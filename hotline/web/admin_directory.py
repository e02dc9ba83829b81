"""Staff page for the directory (/admin/directory/): upload a file, search, edit, remove.

An upload (our CSV, HSDS 3.0 JSON, or a zip of tabular HSDS) goes through the same code
as `hotline directory import` (read_upload, then store_read): the same rules and the same
category mapping file, rejected rows listed by their line or HSDS id and name, warnings
too. One entry is edited through the import's row check (hotline.directory.edit).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hotline import keys as hotline_keys
from hotline.directory import edit as directory_edit
from hotline.directory.importer import read_upload, store_read
from hotline.directory.rows import CSV_HEADER, ImportFileError
from hotline.directory.store import CATEGORIES
from hotline.directory.taxonomy import load_map
from hotline.web import runtime
from hotline.web.auth import log_action, login_required
from hotline.web.texts import say

bp = Blueprint("admin_directory", __name__, url_prefix="/admin/directory")

MAX_UPLOAD = 20 * 1024 * 1024  # bytes; the CLI takes bigger files
SHOWN = 50  # search results on one page
LABELS = {"name": say("field_name"), "category": say("field_category"),
          "phone": say("field_phone"), "address": say("field_address"),
          "city": say("field_city"), "region": say("field_region"),
          "country": say("field_country"), "postal_code": say("field_postal_code"),
          "latitude": say("field_latitude"), "longitude": say("field_longitude"),
          "languages": say("field_languages"), "hours": say("field_hours"),
          "cost": say("field_cost"), "description": say("field_description")}


def _prefix() -> str:
    return hotline_keys.prefix(runtime().config)


def _page(upload: dict[str, Any] | None = None, status: int = 200) -> Any:
    query = request.values.get("q", "").strip()[:100]
    found = directory_edit.search_entries(runtime().redis, _prefix(), query, SHOWN)
    return render_template("admin_directory/index.html", query=query, matched=found.matched,
                           entries=found.entries, places=found.places,
                           by_place=found.by_place, upload=upload,
                           header=",".join(CSV_HEADER), categories=CATEGORIES), status


@bp.get("/")
@login_required(role="staff")
def index() -> Any:
    """Search the directory; the upload form."""
    return _page()


@bp.post("/upload")
@login_required(role="staff")
def upload() -> Any:
    """Load an uploaded CSV, HSDS JSON or HSDS zip: good rows are stored, bad rows listed
    by line (or HSDS id and name), dropped fields as warnings."""
    sent = request.files.get("file")
    replace = request.form.get("replace") == "1"
    category = request.form.get("category", "")
    if sent is None or not sent.filename:
        return _page({"error": say("choose_file")}, 400)
    name = sent.filename.replace("\\", "/").rsplit("/", 1)[-1][:100]
    data = sent.stream.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _page({"name": name, "error": f"the file is over {MAX_UPLOAD // 2**20} MB: "
                      "use hotline directory import"}, 413)
    config = runtime().config
    try:
        categories = load_map(config.hsds_category_map,
                              category if category in CATEGORIES else "")
        read = read_upload(data, name, categories)
        report = store_read(runtime().redis, _prefix(), read, name, replace)
    except ImportFileError as exc:
        return _page({"name": name, "error": str(exc)}, 400)
    log_action("directory_changed", f"upload {name}")
    return _page({"name": name, "loaded": len(read.entries), "added": report.added,
                  "updated": report.updated, "unchanged": report.unchanged,
                  "removed": report.removed, "replace": replace,
                  "rejected": read.rejected, "warnings": read.warnings})


def _edit_page(entry_id: str, row: dict[str, str], problems: list[str], status: int) -> Any:
    return render_template("admin_directory/edit.html", entry_id=entry_id, row=row,
                           fields=CSV_HEADER, labels=LABELS, problems=problems,
                           categories=CATEGORIES), status


@bp.get("/<entry_id>")
@login_required(role="staff")
def edit(entry_id: str) -> Any:
    """The form for one entry."""
    entry = directory_edit.get_entry(runtime().redis, _prefix(), entry_id)
    if entry is None:
        flash(say("entry_missing"), "error")
        return redirect(url_for(".index"))
    return _edit_page(entry.id, directory_edit.as_row(entry), [], 200)


@bp.post("/<entry_id>")
@login_required(role="staff")
def save(entry_id: str) -> Any:
    """Save one entry (checked like an import row); problems are shown on the form."""
    row = {name: request.form.get(name, "")[:500] for name in CSV_HEADER}
    try:
        entry = directory_edit.update_entry(runtime().redis, _prefix(), entry_id, row)
    except directory_edit.EditError as exc:
        return _edit_page(entry_id, row, exc.problems, 400)
    log_action("directory_changed", f"saved {entry.id}")
    flash(say("entry_saved", name=entry.name), "ok")
    return redirect(url_for(".index", q=entry.name))


@bp.post("/<entry_id>/remove")
@login_required(role="staff")
def remove(entry_id: str) -> Any:
    """Remove one entry."""
    entry = directory_edit.remove_entry(runtime().redis, _prefix(), entry_id)
    if entry is None:
        flash(say("entry_already_gone"), "error")
    else:
        log_action("directory_changed", f"removed {entry.id}")
        flash(say("entry_removed", name=entry.name), "ok")
    return redirect(url_for(".index"))
