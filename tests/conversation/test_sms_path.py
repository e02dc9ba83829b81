"""One SMS goes from route to reply through at most six hotline modules, none entered twice.

The measure, exactly (issue 13):

- A validly signed SMS is posted to /twilio/sms with the Flask test client while
  `sys.setprofile` records every call and return of a Python function. A function's
  module is its globals' `__name__`; only modules of the `hotline` package count, and
  every module of `hotline.engine` counts as the one module "hotline.engine" (the pure
  menu engine is one room).
- The route is the view function of /twilio/sms. Its path is the sequence of modules the
  route hands the text to: every call made from a frame of the view's own module into a
  different hotline module is a hop to that module; consecutive hops to the same module
  are one visit. What a module calls in turn is that module's own business. The
  blueprint's signature guard runs before the route, and app-wide hooks (CSRF, metrics,
  security headers, live scripts) run for every page; neither is on the path.
- At most six: the view's module and the modules of its path number six or fewer.
- None entered twice: (a) no module appears twice on the path (the route hands the text
  to each module once, no A -> B -> A at the route); (b) while the route runs, no call
  stack holds a module, then another module above it, then the first module again (no
  call back into a module still running, such as a closure of the view that a capability
  calls to step the engine).

On main before the redesign the route called about a dozen modules in turns (the runtime,
the first reads kept in flask.g, caller words, the order, rate limits, the scripts, the
engine, capabilities, sessions, the renderer, the runtime again ...), so this fails there.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import pytest

CALLER = "+821012345678"
VIEW_MODULE = "hotline.web.twilio"


def _module(frame) -> str:
    name = str(frame.f_globals.get("__name__", ""))
    if name == "hotline.engine" or name.startswith("hotline.engine."):
        return "hotline.engine"
    return name if name == "hotline" or name.startswith("hotline.") else ""


class PathTrace:
    """Records the route's hops and any module entered again above itself on a stack."""

    def __init__(self, view_code):
        self.view_code = view_code
        self.hops: list[str] = []
        self.reentries: list[tuple[str, ...]] = []
        self._stack: list[tuple[object, str]] = []  # (frame, module) of hotline frames
        self._in_view = 0

    def __call__(self, frame, event, arg):
        if event == "call":
            module = _module(frame)
            if frame.f_code is self.view_code:
                self._in_view += 1
            if not module:
                return
            if self._in_view:
                caller = frame.f_back
                handed = (caller is not None and _module(caller) == VIEW_MODULE
                          and module != VIEW_MODULE)
                if handed and (not self.hops or self.hops[-1] != module):
                    self.hops.append(module)
                chain = [m for _, m in self._stack]
                collapsed = [m for i, m in enumerate(chain) if i == 0 or chain[i - 1] != m]
                if module in collapsed and collapsed[-1] != module:
                    self.reentries.append((*collapsed, module))
            self._stack.append((frame, module))
        elif event == "return":
            if frame.f_code is self.view_code:
                self._in_view -= 1
            if self._stack and self._stack[-1][0] is frame:
                self._stack.pop()

    def path(self) -> list[str]:
        return [VIEW_MODULE, *self.hops]


def _trace_post(app, post, body: str, sid: str) -> tuple[PathTrace, bytes]:
    view = app.view_functions["twilio.incoming_sms"]
    trace = PathTrace(view.__code__)
    sys.setprofile(trace)
    try:
        response = post("/twilio/sms", {"From": CALLER, "To": "+15005550006", "Body": body,
                                        "MessageSid": sid})
    finally:
        sys.setprofile(None)
    assert response.status_code == 200
    return trace, response.data


@pytest.mark.parametrize("body", ["안녕하세요", "1"])
def test_one_sms_goes_from_route_to_reply_through_six_modules_at_most_none_twice(
        app, signed_post, body):
    if body == "1":  # a menu choice: the second text of a conversation
        signed_post("/twilio/sms", {"From": CALLER, "To": "+15005550006",
                                    "Body": "안녕하세요", "MessageSid": "SM" + "0" * 32})
    trace, answer = _trace_post(app, signed_post, body, "SM" + "1" * 32)
    assert ET.fromstring(answer).findall("Message"), "the caller got a reply"
    path = trace.path()
    assert len(path) <= 6, f"the SMS passed {len(path)} modules: {' -> '.join(path)}"
    assert len(set(path)) == len(path), f"a module entered twice: {' -> '.join(path)}"
    assert not trace.reentries, "back and forth: " + "; ".join(
        " -> ".join(chain) for chain in trace.reentries[:3])
