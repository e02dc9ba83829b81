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
- Both ways in are measured: the Flask view, and the WSGI dispatch in front of Flask
  (web/webhook_dispatch.py, what gunicorn serves), traced from twilio.answer_body, where
  the dispatch hands the text over once the signature is checked. The test fails when
  the route was not entered at all.
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
    """Records the route's hops and any module entered again above itself on a stack.

    `route_modules`: the web layer's modules the route runs in (the Flask view's module;
    for the WSGI dispatch in front of Flask, the dispatch and the view module whose
    answer_body it calls); a call from one of them into another hotline module is a hop.
    """

    def __init__(self, view_code, route_modules=(VIEW_MODULE,)):
        self.view_code = view_code
        self.route_modules = tuple(route_modules)
        self.entered = False
        self.hops: list[str] = []
        self.reentries: list[tuple[str, ...]] = []
        self._stack: list[tuple[object, str]] = []  # (frame, module) of hotline frames
        self._in_view = 0

    def __call__(self, frame, event, arg):
        if event == "call":
            module = _module(frame)
            if frame.f_code is self.view_code:
                self._in_view += 1
                self.entered = True
            if not module:
                return
            if self._in_view:
                caller = frame.f_back
                handed = (caller is not None and _module(caller) in self.route_modules
                          and module not in self.route_modules)
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
        return [*self.route_modules, *self.hops]


def _trace_post(app, post, body: str, sid: str, route: str) -> tuple[PathTrace, bytes]:
    from hotline.web.webhook_dispatch import EXTENSION

    dispatch = app.extensions[EXTENSION]
    dispatch.enabled = route == "dispatch"
    if route == "dispatch":  # in front of Flask (what gunicorn serves): once the signature
        # is checked, the dispatch hands the text to the view module's answer_body
        from hotline.web import twilio

        trace = PathTrace(twilio.answer_body.__code__)
    else:  # the Flask view (requests the dispatch leaves to Flask)
        trace = PathTrace(app.view_functions["twilio.incoming_sms"].__code__)
    sys.setprofile(trace)
    try:
        response = post("/twilio/sms", {"From": CALLER, "To": "+15005550006", "Body": body,
                                        "MessageSid": sid})
    finally:
        sys.setprofile(None)
    assert response.status_code == 200
    assert trace.entered, f"the {route} route did not answer the text"
    return trace, response.data


@pytest.mark.parametrize("route", ["dispatch", "flask"])
@pytest.mark.parametrize("body", ["안녕하세요", "1"])
def test_one_sms_goes_from_route_to_reply_through_six_modules_at_most_none_twice(
        app, signed_post, body, route):
    if body == "1":  # a menu choice: the second text of a conversation
        signed_post("/twilio/sms", {"From": CALLER, "To": "+15005550006",
                                    "Body": "안녕하세요", "MessageSid": "SM" + "0" * 32})
    trace, answer = _trace_post(app, signed_post, body, "SM" + "1" * 32, route)
    assert ET.fromstring(answer).findall("Message"), "the caller got a reply"
    path = trace.path()
    assert len(path) <= 6, f"the SMS passed {len(path)} modules: {' -> '.join(path)}"
    assert len(set(path)) == len(path), f"a module entered twice: {' -> '.join(path)}"
    assert not trace.reentries, "back and forth: " + "; ".join(
        " -> ".join(chain) for chain in trace.reentries[:3])
