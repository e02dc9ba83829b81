"""Staff page for the directory (/admin/directory/): upload a file, search, edit, remove.

An upload goes through the same code as `hotline directory import` (read_text, then
store_read): the same rules, and rejected rows listed by their line. One entry is edited
through the import's row check (hotline.directory.edit).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hotline import keys as hotline_keys
from hotline.directory import edit as directory_edit
from hotline.directory.importer import import_text
from hotline.directory.rows import CSV_HEADER, ImportFileError
from hotline.directory.store import CATEGORIES
from hotline.web import runtime
from hotline.web.auth import login_required

bp = Blueprint("admin_directory", __name__, url_prefix="/admin/directory")

MAX_UPLOAD = 20 * 1024 * 1024  # bytes; the CLI takes bigger files
SHOWN = 50  # search results on one page
LABELS = {"name": "이름 Name", "category": "종류 Category", "phone": "전화 Phone",
          "address": "주소 Address", "city": "도시 City", "region": "지역 Region",
          "country": "나라 Country (KR, US…)", "postal_code": "우편번호 Postal code",
          "latitude": "위도 Latitude", "longitude": "경도 Longitude",
          "languages": "언어 Languages (ko;en)", "hours": "시간 Hours",
          "cost": "비용 Cost (free, low)", "description": "설명 Description"}


def _prefix() -> str:
    return hotline_keys.prefix(runtime().config)


def _page(upload: dict[str, Any] | None = None, status: int = 200) -> Any:
    query = request.values.get("q", "").strip()[:100]
    matched, entries = directory_edit.find_entries(runtime().redis, _prefix(), query, SHOWN)
    return render_template("admin_directory/index.html", query=query, matched=matched,
                           entries=entries, upload=upload, header=",".join(CSV_HEADER),
                           categories=CATEGORIES), status


@bp.get("/")
@login_required(role="staff")
def index() -> Any:
    """Search the directory; the upload form."""
    return _page()


@bp.post("/upload")
@login_required(role="staff")
def upload() -> Any:
    """Load an uploaded CSV (or HSDS JSON): good rows are stored, bad rows listed by line."""
    sent = request.files.get("file")
    replace = request.form.get("replace") == "1"
    if sent is None or not sent.filename:
        return _page({"error": "파일을 골라 주세요. Choose a file."}, 400)
    name = sent.filename.replace("\\", "/").rsplit("/", 1)[-1][:100]
    data = sent.stream.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _page({"name": name, "error": f"the file is over {MAX_UPLOAD // 2**20} MB: "
                      "use hotline directory import"}, 413)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page({"name": name, "error": "the file is not UTF-8 text"}, 400)
    try:
        read, report = import_text(runtime().redis, _prefix(), text, name, replace=replace)
    except ImportFileError as exc:
        return _page({"name": name, "error": str(exc)}, 400)
    return _page({"name": name, "loaded": len(read.entries), "added": report.added,
                  "updated": report.updated, "unchanged": report.unchanged,
                  "removed": report.removed, "replace": replace,
                  "rejected": read.rejected})


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
        flash("이 항목이 없어요. This entry is no longer in the directory.", "error")
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
    flash(f"저장했어요. Saved: {entry.name}", "ok")
    return redirect(url_for(".index", q=entry.name))


@bp.post("/<entry_id>/remove")
@login_required(role="staff")
def remove(entry_id: str) -> Any:
    """Remove one entry."""
    entry = directory_edit.remove_entry(runtime().redis, _prefix(), entry_id)
    if entry is None:
        flash("이 항목이 없어요. This entry was already gone.", "error")
    else:
        flash(f"지웠어요. Removed: {entry.name}", "ok")
    return redirect(url_for(".index"))
