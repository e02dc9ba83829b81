"""Which of our categories an HSDS taxonomy term means: the staff-editable mapping file.

The file is CSV with the header `term,category` (lines starting with '#' are notes).
`term` is a taxonomy term's code or its name, matched ignoring case, spaces and
punctuation; `category` is one of ours (clinic, mental_health, ...). A term that is
itself one of our categories needs no line. The shipped file is
ivr_scripts/hsds_categories.csv; staff may point at their own.
"""

from __future__ import annotations

import csv
import io
import pathlib
from dataclasses import dataclass, field
from typing import Any

from hotline.directory.gazetteer import normalize
from hotline.directory.rows import ImportFileError
from hotline.engine.directory_node import CATEGORIES

DEFAULT_FILE = pathlib.Path(__file__).parents[2] / "ivr_scripts" / "hsds_categories.csv"


def _key(text: str) -> str:
    return normalize(text).replace("_", "")


@dataclass(frozen=True)
class CategoryMap:
    """Taxonomy terms (codes and names) to our categories, and a default for the rest."""

    terms: dict[str, str] = field(default_factory=dict)
    default: str = ""
    file: str = ""

    def category(self, terms: list[str]) -> str:
        """Our category for the first term that has one; else the default ('' if none)."""
        for term in terms:
            key = _key(term)
            ours = next((c for c in CATEGORIES if _key(c) == key), "")
            found = ours or self.terms.get(key, "")
            if found:
                return found
        return self.default

    def with_default(self, default: str) -> CategoryMap:
        """The same mapping, with `default` for entries whose terms map to nothing."""
        if default and default not in CATEGORIES:
            raise ImportFileError(f"unknown category '{default}' (known: {', '.join(CATEGORIES)})")
        return CategoryMap(self.terms, default, self.file)


def read_map(text: str, file: str = "<mapping>") -> CategoryMap:
    """Read a mapping file's text; every bad line is named at once."""
    lines = [line for line in io.StringIO(text.lstrip("\ufeff"))
             if not line.lstrip().startswith("#")]
    rows = list(csv.reader(lines))
    if not rows or [h.strip().lower() for h in rows[0]] != ["term", "category"]:
        raise ImportFileError(f"{file}: the header must be term,category")
    terms: dict[str, str] = {}
    problems = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not row[0].strip():
            problems.append(f"row {n}: expected a term and a category")
            continue
        term, category = row[0].strip(), row[1].strip()
        if category not in CATEGORIES:
            problems.append(f"row {n}: '{term}' maps to unknown category '{category}'")
            continue
        terms[_key(term)] = category
    if problems:
        raise ImportFileError(f"{file}: " + "; ".join(problems)
                              + f" (known categories: {', '.join(CATEGORIES)})")
    return CategoryMap(terms, "", file)


def load_map(path: str | None = None, default: str = "") -> CategoryMap:
    """Read the mapping file at `path` (the shipped one when None), with a default category."""
    where = pathlib.Path(path) if path else DEFAULT_FILE
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{where}: cannot read: {exc}") from None
    return read_map(text, str(where)).with_default(default)


def service_terms(service: dict[str, Any]) -> list[str]:
    """A service's taxonomy terms as texts: each term's code, then its name."""
    out: list[str] = []
    if isinstance(service.get("category"), str):
        out.append(service["category"])
    for key in ("attributes", "taxonomy_terms", "categories"):
        items = service.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str):
                out.append(item)
                continue
            if not isinstance(item, dict):
                continue
            nested = item.get("taxonomy_term")
            term = nested if isinstance(nested, dict) else item
            for name in ("code", "name", "term"):
                if isinstance(term.get(name), str) and term[name].strip():
                    out.append(term[name].strip())
    return out
