"""The web pages' own texts (labels, flash messages, errors), read once from texts.yaml.

Every entry there has a short name and its Korean and English text; the pages show both,
Korean first unless the entry says `first: en`. say("entry_saved", name="X") gives
"저장했어요. Saved: X". Texts callers or volunteers receive by SMS or voice are not here:
they are the scripts' phrases.
"""

from __future__ import annotations

import pathlib
from typing import Any

from ruamel.yaml import YAML

from hotline.engine.korean import agree

PATH = pathlib.Path(__file__).with_name("texts.yaml")


def load(path: pathlib.Path = PATH) -> dict[str, tuple[str, ...]]:
    """Read the catalog: name -> its texts in the order the page shows them."""
    with path.open(encoding="utf-8") as handle:
        data: Any = YAML(typ="safe").load(handle)
    catalog: dict[str, tuple[str, ...]] = {}
    for name, entry in data.items():
        ko, en = str(entry["ko"]), str(entry["en"])
        catalog[str(name)] = (en, ko) if entry.get("first") == "en" else (ko, en)
    return catalog


CATALOG = load()


def say(name: str, /, **values: Any) -> str:
    """Return the text `name` in both languages, with {placeholders} filled from values."""
    # Korean particles written 을(를) agree with a value filled in just before them.
    return " ".join(agree(part.format(**values)) if values else part
                    for part in CATALOG[name] if part)
