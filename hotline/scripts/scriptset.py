"""The scripts the running app answers with, held so a later publish can swap them whole."""

from __future__ import annotations

import threading

from hotline.engine.model import Script
from hotline.engine.session import Session

ENTRY_SCRIPT = "main"  # the script a new caller starts in


class ScriptSet:
    """Scripts by name. `replace()` swaps the whole set; a request keeps the Script it got."""

    def __init__(self, scripts: dict[str, Script], entry: str = ENTRY_SCRIPT):
        self._lock = threading.Lock()
        self._scripts = dict(scripts)
        self.entry_name = entry

    def replace(self, scripts: dict[str, Script]) -> None:
        """Answer from now on with these scripts (a published or rolled-back version)."""
        with self._lock:
            self._scripts = dict(scripts)

    def names(self) -> list[str]:
        """Return the names of the loaded scripts, sorted."""
        return sorted(self._scripts)

    def get(self, name: str) -> Script | None:
        """Return the script of that name, if loaded."""
        return self._scripts.get(name)

    def entry(self) -> Script:
        """Return the script new callers start in (the only one, when just one is loaded)."""
        scripts = self._scripts
        script = scripts.get(self.entry_name)
        if script is None and len(scripts) == 1:
            script = next(iter(scripts.values()))
        if script is None:
            raise LookupError(f"no script named {self.entry_name!r} is loaded")
        return script

    def entry_or_none(self) -> Script | None:
        """The entry script, or None when none is loaded (the fallback answer's words)."""
        try:
            return self.entry()
        except LookupError:
            return None

    def for_session(self, session: Session | None) -> Script:
        """Return the script a stored session runs in, else the entry script."""
        if session is not None:
            script = self._scripts.get(session.script)
            if script is not None:
                return script
        return self.entry()
