"""The `directory_search` node type: find a free clinic or shelter near a place.

Flow: ask for a place (SMS: type it; voice: say it, or press a key from `regions`),
hand off to the `directory_search` capability, then show what it found. SMS shows as
many one-line results as fit the segment budget, with "9 more"; voice reads one result
at a time with keys to repeat, go on, or get it by SMS (a `send_sms` handoff).
Where the node is lives in session variables named dir_*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hotline.engine.actions import Ask, Choice, Handoff, Say
from hotline.engine.directory_words import CATEGORIES, DEFAULTS, hours_speech, hours_text
from hotline.engine.inputs import Input, Outcome
from hotline.engine.matching import match_option
from hotline.engine.model import Context, Node, Option, Reader, Script, Step, Texts, register
from hotline.engine.nodes import answer_text
from hotline.engine.segments import count_segments
from hotline.engine.session import WAIT_HANDOFF, WAIT_MENU, WAIT_TEXT
from hotline.engine.wording import sms_text

__all__ = ["CAPABILITY", "CATEGORIES", "SEND_SMS", "DirectorySearchNode", "Region"]

CAPABILITY = "directory_search"
SEND_SMS = "send_sms"
SMS_PAGE = 5  # results fetched per SMS page (as many as fit are shown)
MAX_QUERY = 60  # characters of a place name kept in the session


@dataclass(frozen=True)
class Region:
    """A region a voice caller may pick by key: key, label, and the place words searched."""

    key: str
    label: Texts
    place: str


_VARS = ("dir_node", "dir_phase", "dir_query", "dir_place_id", "dir_place", "dir_page",
         "dir_offset", "dir_next", "dir_more", "dir_choices", "dir_choice_names", "dir_item",
         "dir_sms", "dir_nearby_id", "dir_nearby", "dir_named")
_RESET = dict.fromkeys(_VARS, "")


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


# A postal code typed, said or keyed: Korea and the US 5 digits (a ZIP may add -1234),
# China and Russia 6. Spaces a speech result puts between digits are dropped.
_POSTAL = re.compile(r"(\d{5})(?:-\d{4})?|\d{6}")


def postal_code(said: str) -> str:
    """The postal code in the caller's answer, or '' when it is not one."""
    compact = re.sub(r"\s", "", said)
    found = _POSTAL.fullmatch(compact)
    if not found:
        return ""
    return found.group(1) or compact


@register
@dataclass(frozen=True)
class DirectorySearchNode(Node):
    """Find services of staff-chosen categories near a place the caller names.

    `text` asks for the place (SMS: the caller types it); `voice_text` (optional) asks
    on a call, where the caller says it or presses a key from `regions`. `back` is where
    0 leads; `callback` (optional) a callback_request node offered when nothing is found.
    `same_language: true` lists only services that speak the caller's language.
    A postal code (Korea and a US ZIP: 5 digits; China, Russia: 6) names a place at
    every question of the node; on a call the caller keys it, then #. A number that is
    neither a key nor a code is answered with `postal_hint` (on a call `postal_hint_voice`).
    `asked` (optional, some of `category`): what the caller asked for. When none of it is
    in the place, the reply says so and lists the nearest of it in the same country;
    when there is none in the country, it offers a call back. Without `asked`, every
    category counts. A search never lists a place in another country.
    Optional `results` heads the SMS results ('{place}:'); any word in the node's DEFAULTS
    (nearby, none, unknown, which, more, again, ...) may be overridden per language.
    """

    kind: ClassVar[str] = "directory_search"
    waits: ClassVar[bool] = True
    example: ClassVar[str] = """\
find_clinic:
  type: directory_search
  category: [clinic, korean_medicine, dental, tb_care]
  asked: [clinic, korean_medicine]
  text: {ko: 어느 지역인가요? 시나 구 이름을 보내 주세요., en: Which city or district are you in?}
  voice_text:
    ko: 어느 지역인가요? 지역 이름을 말하거나 번호를 누르세요.
    en: Which city or district? Say its name, or press a number.
  regions:
    - {key: 1, label: {ko: 서울, en: Seoul}, place: 서울}
    - {key: 2, label: {ko: 인천, en: Incheon}, place: 인천}
    - {key: 3, label: {ko: 로스앤젤레스, en: Los Angeles}, place: Los Angeles}
  callback: ask_callback
  back: main_menu
"""
    categories: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()
    voice_text: Texts = field(default_factory=dict)
    results: Texts = field(default_factory=dict)
    words: dict[str, Texts] = field(default_factory=dict)
    regions: tuple[Region, ...] = ()
    back: str = ""
    callback: str = ""
    same_language: bool = False

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        raw = value.get("category")
        categories = tuple(str(c) for c in (raw if isinstance(raw, list) else [raw] if raw
                                            else []))
        if not categories:
            reader.problem(node_id, f"a directory_search needs category: one or a list of "
                           f"{', '.join(CATEGORIES)}", line)
        for category in categories:
            if category not in CATEGORIES:
                reader.problem(node_id, f"unknown category '{category}' (known: "
                               f"{', '.join(CATEGORIES)})", line)
        raw_asked = value.get("asked")
        asked = tuple(str(c) for c in (raw_asked if isinstance(raw_asked, list) else
                                       [raw_asked] if raw_asked else []))
        for category in asked:
            if category not in categories:
                reader.problem(node_id, f"asked '{category}' is not one of this node's "
                               f"category: {', '.join(categories)}", line)
        text = reader.texts(value.get("text"), node_id, "text", line)
        if not text:
            reader.problem(node_id, "a directory_search needs text: the question for a place",
                           line)
        if not value.get("back"):
            reader.problem(node_id, "a directory_search needs back: the node 0 leads to", line)
        words = {name: reader.texts(value[name], node_id, name, line)
                 for name in DEFAULTS if value.get(name) is not None}
        return cls(
            id=node_id, text=text, line=line, categories=categories, asked=asked,
            voice_text=reader.texts(value.get("voice_text"), node_id, "voice_text", line),
            results=reader.texts(value.get("results"), node_id, "results", line),
            words=words, regions=cls._regions(reader, node_id, value.get("regions"), line),
            back=str(value.get("back") or ""), callback=str(value.get("callback") or ""),
            same_language=bool(value.get("same_language", False)),
        )

    @staticmethod
    def _regions(reader: Reader, node_id: str, raw: Any, line: int) -> tuple[Region, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            reader.problem(node_id, "regions must be a list of {key, label, place}", line)
            return ()
        out = []
        for item in raw:
            if not isinstance(item, dict) or item.get("key") is None:
                reader.problem(node_id, "each region needs key, label and place", line)
                continue
            key = str(item["key"]).strip()
            if not key.isdigit() or key in {"0", "9"}:
                reader.problem(node_id, f"region key '{key}' must be a digit 1-8", line)
            label = reader.texts(item.get("label"), node_id, f"region {key} label", line)
            place = str(item.get("place") or next(iter(label.values()), ""))
            if not place:
                reader.problem(node_id, f"region {key} needs place: the words searched", line)
            out.append(Region(key, label, place))
        return tuple(out)

    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.back, self.callback) if t)

    def word(self, name: str) -> Texts:
        """A word of this node: the staff's own, else the built-in default."""
        return self.words.get(name) or DEFAULTS[name]

    def texts(self) -> dict[str, Texts]:
        out = dict(super().texts())
        for name, texts in (("voice_text", self.voice_text), ("results", self.results)):
            if texts:
                out[name] = texts
        for name in DEFAULTS:  # built-in words in the languages this node is written in
            texts = self.word(name)
            out[name] = texts if name in self.words else {
                code: texts[code] for code in self.text if code in texts}
        for region in self.regions:
            out[f"region {region.key} label"] = region.label
        return out

    def check(self, script: Script) -> list[str]:
        return [f"'{code}' has no built-in words for this node: give {name}: {{{code}: ...}}"
                for code in script.languages for name in DEFAULTS
                if code not in self.word(name)]

    # -- conversation -------------------------------------------------------------------

    def _say(self, ctx: Context, name: str, extra: dict[str, str] | None = None) -> str:
        return ctx.pick(self.word(name), extra)

    def enter(self, ctx: Context) -> Step:
        v = ctx.session.vars
        if ctx.session.node == self.id and v.get("dir_node") == self.id:
            phase = v.get("dir_phase")
            if phase == "results":  # back after a wrong key, silence or a dropped call
                return self._search(ctx, offset=_int(v.get("dir_offset")))
            if phase == "which":
                return self._which(ctx, v["dir_choices"].split("|"),
                                   v["dir_choice_names"].split("|"))
        return self._ask_place(ctx)

    def _ask_place(self, ctx: Context) -> Step:
        phase = {**_RESET, "dir_node": self.id, "dir_phase": "place"}
        if ctx.session.channel == "voice":
            text = ctx.pick(self.voice_text or self.text)
            if self.regions:
                choices = tuple(Choice(r.key, ctx.pick(r.label)) for r in self.regions)
                return Step((Ask(text, ctx.language, "menu", choices, long_keys=True),),
                            wait=WAIT_MENU, vars=phase)
            return Step((Ask(text, ctx.language, "text"),), wait=WAIT_TEXT, vars=phase)
        return Step((Ask(ctx.pick(self.text), ctx.language, "text"),), wait=WAIT_TEXT,
                    vars=phase)

    def _search(self, ctx: Context, *, query: str | None = None, place_id: str | None = None,
                offset: int = 0, before: tuple[Say, ...] = (), named: str | None = None) -> Step:
        """Hand the search off; `named`: the place as the caller named a region (their
        words, or the region's label), shown instead of the searched place's own name.
        A new query without it forgets the last one; paging keeps it."""
        if named is None:
            named = "" if query is not None else ctx.session.vars.get("dir_named", "")
        v = ctx.session.vars
        voice = ctx.session.channel == "voice"
        query = v.get("dir_query", "") if query is None else query
        place_id = v.get("dir_place_id", "") if place_id is None else place_id
        limit = 1 if voice else SMS_PAGE
        page = _int(v.get("dir_page")) + 1 if offset else 1
        params = {"category": list(self.categories), "kind": list(self.asked),
                  "place": query, "place_id": place_id,
                  "language": ctx.language, "country": ctx.session.country,
                  "offset": offset, "limit": limit, "page": page,
                  "channel": ctx.session.channel,
                  "only_language": ctx.language if self.same_language else ""}
        return Step((*before, Handoff(CAPABILITY, params)), wait=WAIT_HANDOFF,
                    vars={"dir_node": self.id, "dir_query": query, "dir_place_id": place_id,
                          "dir_page": str(page),
                          "dir_named": named})

    def answer(self, ctx: Context, event: Input) -> Step:
        v = ctx.session.vars
        if isinstance(event, Outcome):
            if event.capability == CAPABILITY:
                return self._show(ctx, event.data)
            if event.capability == SEND_SMS and v.get("dir_phase") == "results":
                return self._voice_menu(ctx, v.get("dir_item", ""),
                                        before=self._sms_outcome(ctx, event.data))
            return Step(invalid=True)
        said = answer_text(event).strip()[:MAX_QUERY]
        phase = v.get("dir_phase")
        code = postal_code(said)
        if code:  # at any question of this node: a postal code is a place
            return self._search(ctx, query=code, place_id="")
        if not said or sum(ch.isdigit() for ch in said) >= 7:
            return Step(invalid=True)  # nothing, or what looks like a phone number: never kept
        if phase == "place":
            options = tuple(Option(r.key, r.label, r.place) for r in self.regions)
            region = match_option(options, said, ctx.language) if options else None
            if region is None and said.isdigit():
                return self._number_hint(ctx)
            if region is None:
                return self._search(ctx, query=said, place_id="")
            named = ctx.pick(region.label) if said.isdigit() else said
            return self._search(ctx, query=region.goto, place_id="", named=named)
        if said == "0":
            return Step(goto=self.back)
        if not said.isdigit():  # a new place name instead of a key: search there
            return self._search(ctx, query=said, place_id="")
        if len(said) > 1:  # neither a key nor a postal code
            return self._number_hint(ctx)
        if phase == "results":
            return self._results_key(ctx, said)
        if phase == "which":
            ids = v.get("dir_choices", "").split("|")
            names = v.get("dir_choice_names", "").split("|")
            pick = int(said) - 1
            if 0 <= pick < len(ids) and ids[pick]:
                return self._search(ctx, query=names[pick], place_id=ids[pick])
        if phase == "none":
            if said == "1":
                return self._ask_place(ctx)
            if said == "2" and self.callback:
                return Step(goto=self.callback)
            if said == "3" and v.get("dir_nearby_id"):
                return self._search(ctx, query=v.get("dir_nearby", ""),
                                    place_id=v["dir_nearby_id"])
        return Step(invalid=True)

    def _number_hint(self, ctx: Context) -> Step:
        """A number that is neither a key nor a postal code: say what to send."""
        voice = ctx.session.channel == "voice" and self.regions
        return Step(invalid=True,
                    hint=self._say(ctx, "postal_hint_voice" if voice else "postal_hint"))

    def _sms_outcome(self, ctx: Context, data: dict[str, Any]) -> tuple[Say, ...]:
        """What the caller hears after asking for a text: sent, or (opted out) that it was
        not, and how to get texts again (the script's phrase `sms_opted_out`)."""
        if data.get("queued"):
            return (Say(self._say(ctx, "sent"), ctx.language),)
        if data.get("opted_out"):
            text = ctx.phrase("sms_opted_out") or self._say(ctx, "not_sent")
            return (Say(text, ctx.language),)
        return ()

    def _results_key(self, ctx: Context, key: str) -> Step:
        v = ctx.session.vars
        more = v.get("dir_more") == "1"
        if ctx.session.channel == "voice":
            if key == "1":
                return self._voice_menu(ctx, v.get("dir_item", ""))
            if key == "2":
                if more:
                    return self._search(ctx, offset=_int(v.get("dir_next")))
                return self._voice_menu(ctx, v.get("dir_item", ""),
                                        before=(Say(self._say(ctx, "last"), ctx.language),))
            if key == "3" and v.get("dir_sms"):
                params = {"body": v["dir_sms"], "language": ctx.language}
                return Step((Handoff(SEND_SMS, params),), wait=WAIT_HANDOFF)
            return Step(invalid=True)
        if key == "9":
            if more:
                return self._search(ctx, offset=_int(v.get("dir_next")))
            last = Say(self._say(ctx, "last"), ctx.language)
            return Step((last, *self._ask_place(ctx).actions), wait=WAIT_TEXT,
                        vars={**_RESET, "dir_node": self.id, "dir_phase": "place"})
        return Step(invalid=True)

    # -- showing what the capability found ----------------------------------------------

    def _show(self, ctx: Context, data: dict[str, Any]) -> Step:
        status = data.get("status")
        place = data.get("place") or {}
        name = str(ctx.session.vars.get("dir_named") or place.get("name")
                   or ctx.session.vars.get("dir_query", ""))
        if status == "ambiguous":
            choices = data.get("choices") or []
            return self._which(ctx, [str(c.get("id", "")) for c in choices],
                               [str(c.get("name", "")) for c in choices])
        if status == "ok" and data.get("results"):
            if ctx.session.channel == "voice":
                return self._voice_item(ctx, data, name)
            return self._sms_page(ctx, data, name)
        if status == "none":
            text = self._say(ctx, "none", {"place": name})
        else:
            text = self._say(ctx, "unknown", {"query": ctx.session.vars.get("dir_query", "")})
        nearby = data.get("nearby") or {}
        choices = [Choice("1", self._say(ctx, "again"))]
        if nearby.get("id"):
            choices.append(Choice("3", self._say(ctx, "try_nearby",
                                                 {"place": str(nearby.get("name", ""))})))
        if self.callback:
            choices.append(Choice("2", self._say(ctx, "callback_label")))
        choices.sort(key=lambda c: c.key)  # in key order: 1, 2, 3
        choices.append(Choice("0", self._say(ctx, "back_label")))
        return Step((Ask(text, ctx.language, "menu", tuple(choices)),), wait=WAIT_MENU,
                    vars={"dir_phase": "none", "dir_nearby_id": str(nearby.get("id", "")),
                          "dir_nearby": str(nearby.get("name", ""))})

    def _which(self, ctx: Context, ids: list[str], names: list[str]) -> Step:
        ids, names = ids[:8], names[:8]
        choices = tuple(Choice(str(n), name) for n, name in enumerate(names, start=1))
        choices += (Choice("0", self._say(ctx, "back_label")),)
        return Step((Ask(self._say(ctx, "which"), ctx.language, "menu", choices),),
                    wait=WAIT_MENU, vars={"dir_node": self.id, "dir_phase": "which",
                                          "dir_choices": "|".join(ids),
                                          "dir_choice_names": "|".join(names)})

    def _line(self, ctx: Context, result: dict[str, Any], level: int = 0,
              name_chars: int | None = None) -> str:
        """One result on one line; higher levels leave out the address, then the hours.

        With `name_chars` the number comes first, whole, and the name is cut to fit:
        a phone number is never cut, whatever else must give.
        """
        hours = hours_text(result, ctx.language, self._say(ctx, "always"))
        name, phone = str(result.get("name", "")), str(result.get("phone", ""))
        if name_chars is not None:
            if len(name) > name_chars:
                name = name[:name_chars - 1].rstrip() + "…" if name_chars > 1 else ""
            return " ".join(p for p in (phone, name) if p)
        head = " ".join(p for p in (name, phone) if p)
        parts = [head, str(result.get("address", "")) if level < 1 else "",
                 hours if level < 2 else ""]
        return ", ".join(p for p in parts if p)

    def _fits(self, ctx: Context, ask: Ask) -> bool:
        language = ctx.script.languages.get(ask.language) or next(
            iter(ctx.script.languages.values()))
        return count_segments(sms_text(ask, language)).segments <= self.sms_segments

    def _sms_page(self, ctx: Context, data: dict[str, Any], place: str) -> Step:
        results = list(data.get("results") or [])
        offset = int(data.get("offset") or 0)
        head = ctx.pick(self.results, {"place": place}) if self.results else ""
        if offset == 0 and not results[0].get("in_place"):
            head = self._say(ctx, "nearby", {"place": place})
        back = Choice("0", self._say(ctx, "back_label"))
        more = Choice("9", self._say(ctx, "more"))

        def ask(lines: list[str], shown: int) -> Ask:
            rest = shown < len(results) or bool(data.get("more"))
            text = "\n".join(p for p in (head, *lines) if p)
            return Ask(text, ctx.language, "menu", (more, back) if rest else (back,))

        lines: list[str] = []
        for result in results:
            candidate = ask([*lines, self._line(ctx, result)], len(lines) + 1)
            if lines and not self._fits(ctx, candidate):
                break
            lines.append(self._line(ctx, result))
        if not self._fits(ctx, ask(lines, len(lines))):  # one result too long: shorten it
            for level in (1, 2):
                lines = [self._line(ctx, results[0], level)]
                if self._fits(ctx, ask(lines, 1)):
                    break
            else:  # still too long: the number first and whole, the name cut to fit
                chars = len(str(results[0].get("name", "")))
                while chars > 0:
                    lines = [self._line(ctx, results[0], name_chars=chars)]
                    if self._fits(ctx, ask(lines, 1)):
                        break
                    chars -= 1
                else:
                    lines = [self._line(ctx, results[0], name_chars=0)]
        shown = len(lines)
        final = ask(lines, shown)
        rest = shown < len(results) or bool(data.get("more"))
        return Step((final,), wait=WAIT_MENU, vars=self._page_vars(data, place, offset, shown,
                                                                   rest))

    def _page_vars(self, data: dict[str, Any], place: str, offset: int, shown: int,
                   more: bool) -> dict[str, str]:
        place_id = str((data.get("place") or {}).get("id") or "")
        return {"dir_node": self.id, "dir_phase": "results", "dir_place": place,
                "dir_place_id": place_id, "dir_offset": str(offset),
                "dir_next": str(offset + shown), "dir_more": "1" if more else ""}

    def _voice_item(self, ctx: Context, data: dict[str, Any], place: str) -> Step:
        result = data["results"][0]
        offset = int(data.get("offset") or 0)
        hours = hours_speech(result, ctx.language, self._say(ctx, "always_spoken"))
        phone = f"{self._say(ctx, 'phone')} {result.get('phone')}" if result.get("phone") else ""
        item = ". ".join(str(p) for p in (result.get("name"), phone, result.get("address"),
                                          hours) if p) + "."
        before: tuple[Say, ...] = ()
        if offset == 0 and not result.get("in_place"):
            before = (Say(self._say(ctx, "nearby", {"place": place}), ctx.language),)
        more = bool(data.get("more"))
        vars_ = {**self._page_vars(data, place, offset, 1, more), "dir_item": item,
                 "dir_sms": self._line(ctx, result)}
        step = self._voice_menu(ctx, item, before=before, more=more)
        return Step(step.actions, wait=step.wait, vars=vars_)

    def _voice_menu(self, ctx: Context, item: str, before: tuple[Say, ...] = (),
                    more: bool | None = None) -> Step:
        if more is None:
            more = ctx.session.vars.get("dir_more") == "1"
        choices = [Choice("1", self._say(ctx, "repeat"))]
        if more:
            choices.append(Choice("2", self._say(ctx, "next")))
        choices += [Choice("3", self._say(ctx, "send")), Choice("0", self._say(ctx, "back_label"))]
        return Step((*before, Ask(item, ctx.language, "menu", tuple(choices))), wait=WAIT_MENU)
