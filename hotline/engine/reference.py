"""The node type reference for staff, written from the node classes themselves.

`hotline scripts docs` puts node_reference() into ivr_scripts/README.md between the
BEGIN and END markers; a test fails when the README is out of date with the code.
"""

from __future__ import annotations

import inspect

import hotline.engine.loader  # noqa: F401  (imports every node type, so all are registered)
from hotline.engine.model import NODE_TYPES, Node

BEGIN = "<!-- node-types:begin (written by `hotline scripts docs`: edit the node classes) -->"
END = "<!-- node-types:end -->"


def node_section(cls: type[Node]) -> str:
    """Return the Markdown for one node type: name, what it does, a YAML example."""
    doc = inspect.getdoc(cls) or ""
    lines = [f"### `{cls.kind}`", "", doc]
    if cls.ends:
        lines += ["", "*Ends the conversation: it needs no `goto`.*"]
    elif cls.waits:
        lines += ["", "*Waits for the caller's answer.*"]
    if cls.example:
        lines += ["", "```yaml", cls.example.rstrip("\n"), "```"]
    return "\n".join(lines)


def node_reference() -> str:
    """Return the Markdown reference of every registered node type, by name."""
    return "\n\n".join(node_section(NODE_TYPES[kind]) for kind in sorted(NODE_TYPES))


def update_section(text: str) -> str:
    """Return `text` with the part between the markers replaced by node_reference()."""
    start = text.find(BEGIN)
    end = text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers are missing: put {BEGIN} and {END} on lines of their own")
    head = text[: start + len(BEGIN)]
    return f"{head}\n\n{node_reference()}\n\n{text[end:]}"
