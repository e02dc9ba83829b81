"""The script linter: everything in a script that would break a live call or hurt a caller.

lint() collects every problem (loader.Problem), each naming the file and the node.
Errors: unknown goto targets, unreachable nodes, dead ends and goto loops that never
wait, missing translations and engine phrases, duplicate option keys or words in a
menu, SMS texts over their segment budget, broken press/reply templates, neutral-wording
violations, menu words that are caller keywords (STOP, DELETE). Warnings: loanwords in
the script's `loanwords` list, menu words that are HELP words.
Node types add their own checks through Node.texts(), Node.targets() and Node.check().
"""

from __future__ import annotations

from collections.abc import Iterable

from hotline.engine.actions import Ask, Choice, Say
from hotline.engine.caller_words import check_script as check_caller_words
from hotline.engine.caller_words import words_of
from hotline.engine.korean import bare_particles, both_forms
from hotline.engine.loader import Problem, ScriptError, load_script, script_paths
from hotline.engine.matching import normalize
from hotline.engine.model import PHRASES, Context, Node, Option, Script, Texts
from hotline.engine.segments import count_segments
from hotline.engine.session import Session
from hotline.engine.volunteer_phrases import (
    CALLER_PHRASES,
    HOTLINE_LANGUAGES,
    SPOKEN_ONLY,
    VOLUNTEER_PHRASES,
    WORD_REPLIES,
    fill,
    placeholders,
    samples,
)
from hotline.engine.wording import sms_text

ERROR = "error"
WARNING = "warning"


def lint(target: Script | str, file: str | None = None) -> list[Problem]:
    """Return every problem of a script object or script file (errors and warnings)."""
    if isinstance(target, str):
        try:
            script = load_script(target)
        except ScriptError as exc:
            return list(exc.problems)
        except OSError as exc:
            return [Problem(target, "", f"cannot read the file: {exc.strerror or exc}")]
        except UnicodeDecodeError:
            return [Problem(target, "", "not UTF-8 text: save the file as UTF-8")]
        except Exception as exc:  # noqa: BLE001  a loader bug: staff still get one clear line
            return [Problem(target, "", f"cannot read this script ({type(exc).__name__}); "
                            "check its structure against ivr_scripts/README.md")]
        return _Linter(script, file or target).run()
    return _Linter(target, file or f"{target.name}.yaml").run()


def lint_directory(directory: str) -> list[Problem]:
    """Return the problems of every script in a directory (not *.test.yaml)."""
    return [problem for path in script_paths(directory) for problem in lint(path)]


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """Return only the problems that are errors (the ones that fail a lint)."""
    return [p for p in problems if p.severity == ERROR]


def sms_budget(segments: int, encoding: str) -> int:
    """Return how many characters (units) an SMS may use within `segments` segments."""
    single, multi = (160, 153) if encoding == "GSM-7" else (70, 67)
    return single if segments <= 1 else segments * multi


class _Linter:
    """One pass over one script, collecting problems in script order."""

    def __init__(self, script: Script, file: str):
        self.script = script
        self.file = file
        self.problems: list[Problem] = []
        self.broken: set[str] = set()  # languages whose press/reply template is broken

    def add(self, node: str, message: str, line: int = 0, severity: str = ERROR) -> None:
        self.problems.append(Problem(self.file, node, message, line, severity))

    def run(self) -> list[Problem]:
        self.check_languages()
        self.check_phrases()
        for node in self.script.nodes.values():
            self.check_targets(node)
            self.check_translations(node.id, node.texts(), node.line)
            self.check_menu(node)
            self.check_sms(node)
            self.check_wording(node.id, node.texts(), node.line)
            for message in node.check(self.script):
                self.add(node.id, message, node.line)
        for node_id, message, line, is_error in check_caller_words(self.script):
            self.add(node_id, message, line, ERROR if is_error else WARNING)
        self.check_reachable()
        self.check_dead_ends()
        self.check_loops()
        return self.problems

    # -- script level -------------------------------------------------------------------

    def check_languages(self) -> None:
        seen: dict[str, str] = {}
        for code, lang in self.script.languages.items():
            if not lang.voice or not lang.speech:
                self.add("languages", f"{code} needs voice: and speech: (e.g. Polly.Seoyeon, "
                         "ko-KR), else calls read and hear it as English", 0, WARNING)
            for what, template in (("press", lang.press), ("reply", lang.reply)):
                try:
                    template.format(key="1", label="x")
                except (KeyError, IndexError, ValueError):
                    self.broken.add(code)
                    self.add("languages", f"{code} {what} template '{template}' may only use "
                             "{key} and {label}")
                    continue
                if "{key}" not in template:
                    self.add("languages", f"{code} {what} template '{template}' must contain "
                             "{key}, or callers cannot tell which number to use")
            for word in (lang.name, code, *lang.keywords):
                said = normalize(word)
                if said and seen.setdefault(said, code) != code:
                    self.add("languages", f"'{word}' names both {seen[said]} and {code}")
        texts = {"language names": {c: lang.name for c, lang in self.script.languages.items()}}
        self.check_wording("languages", texts, 0)

    def check_phrases(self) -> None:
        for name, meaning in PHRASES.items():
            if not self.script.phrases.get(name):
                self.add("phrases", f"missing engine phrase '{name}' ({meaning})")
        texts = {f"phrase {name}": texts for name, texts in self.script.phrases.items()}
        replies = {f"phrase {name}" for name in WORD_REPLIES}
        self.check_translations("phrases", {n: t for n, t in texts.items() if n not in replies},
                                0)
        # Replies to caller words: also in every language of the words (停止 gets Chinese).
        word_languages = {code for by_language in words_of(self.script.extra).values()
                          for code in by_language}
        self.check_translations("phrases", {n: t for n, t in texts.items() if n in replies},
                                0, also=word_languages)
        self.check_wording("phrases", texts, 0)
        for code in self.script.languages:
            ctx = self._context(self.script.start, code)
            resume = Ask(ctx.phrase("resume"), code, "menu",
                         (Choice("1", ctx.phrase("resume_yes")),
                          Choice("2", ctx.phrase("resume_no"))))
            for name, action in (("resume", resume),
                                 ("invalid", Say(ctx.phrase("invalid"), code)),
                                 ("give_up", Say(ctx.phrase("give_up"), code))):
                self._measure("phrases", f"phrase {name}", action, code, 1, 0)
            if self.script.phrases.get("rate_limited"):  # sent as one text
                self._measure("phrases", "phrase rate_limited",
                              Say(ctx.phrase("rate_limited"), code), code, 1, 0)
        self.check_volunteer_phrases()

    def check_volunteer_phrases(self) -> None:
        """Texts to volunteers, and to callers outside the menu: all of a table once one
        is there (the entry script holds them), only known {placeholders}, one SMS
        segment with sample values."""
        for who, table in (("volunteer", VOLUNTEER_PHRASES), ("caller", CALLER_PHRASES)):
            self._check_phrase_table(who, table)

    def _check_phrase_table(self, who: str, table: dict[str, str]) -> None:
        mine = {n: t for n, t in self.script.phrases.items() if n in table}
        if not mine:
            return
        for name, meaning in table.items():
            if name not in mine:
                self.add("phrases", f"missing {who} phrase '{name}' ({meaning})")
        for name, by_language in mine.items():
            allowed = placeholders(table[name])
            for code, text in by_language.items():
                unknown = sorted(placeholders(text) - allowed)
                if unknown:
                    self.add("phrases", f"phrase {name} in '{code}' uses "
                             f"{', '.join('{' + u + '}' for u in unknown)}; it may use only "
                             f"{', '.join('{' + a + '}' for a in sorted(allowed)) or 'none'}")
                count = count_segments(fill(text, samples(code)))
                if count.segments > 1 and name not in SPOKEN_ONLY:
                    limit = sms_budget(1, count.encoding)
                    self.add("phrases", f"phrase {name} in '{code}' takes {count.segments} "
                             f"segments ({count.units} {count.encoding} characters with "
                             f"sample values, budget 1 = {limit}); shorten it: a {who} "
                             "gets it as one SMS")

    # -- per node -----------------------------------------------------------------------

    def check_targets(self, node: Node) -> None:
        options: tuple[Option, ...] = getattr(node, "options", ())
        for target in dict.fromkeys(node.targets()):
            if not target or target in self.script.nodes:
                continue
            keys = [o.key for o in options if o.goto == target]
            if keys:
                for key in keys:
                    self.add(node.id, f"option {key} goes to '{target}', which is not a node",
                             node.line)
            else:
                self.add(node.id, f"goto '{target}' is not a node", node.line)

    def check_translations(self, node: str, texts: dict[str, Texts], line: int,
                           also: Iterable[str] = ()) -> None:
        """Every text in each declared language (and in the languages `also`)."""
        languages = [*self.script.languages, *sorted(set(also) - set(self.script.languages))]
        for name, by_language in texts.items():
            for code in languages:
                if not by_language.get(code):
                    self.add(node, f"{name} has no '{code}' translation", line)
            for code in by_language:
                # A text written ahead in a language the hotline speaks (zh, ru before a
                # script declares them) is kept quietly; an unknown code may be a typo.
                if code not in languages and code not in HOTLINE_LANGUAGES:
                    self.add(node, f"{name} is written in '{code}', which is not a declared "
                             "language", line, WARNING)

    def check_menu(self, node: Node) -> None:
        options: tuple[Option, ...] = getattr(node, "options", ())
        keys: dict[str, str] = {}
        words: dict[str, tuple[str, str]] = {}  # normalized word -> (option key, what)
        for option in options:
            if normalize(option.key) in keys:
                self.add(node.id, f"option key {option.key} is used twice", option.line)
                continue
            keys[normalize(option.key)] = option.key
            mine = [(label, "label") for label in option.label.values()]
            mine += [(w, "keyword") for ws in option.keywords.values() for w in ws]
            for word, what in mine:
                said = normalize(word)
                if not said:
                    continue
                other = words.setdefault(said, (option.key, what))
                if other[0] != option.key:
                    self.add(node.id, f"option {option.key} {what} '{word}' is also option "
                             f"{other[0]}'s {other[1]}", option.line)

    def check_sms(self, node: Node) -> None:
        for code in self.script.languages:
            ctx = self._context(node.id, code)
            try:
                step = node.enter(ctx)
            except Exception as exc:  # noqa: BLE001  (a node that crashes would end a live call)
                self.add(node.id, f"fails when a caller arrives in '{code}': {exc!r}", node.line)
                continue
            shown = [a for a in step.actions if isinstance(a, (Say, Ask))]
            for action in shown:
                self._measure(node.id, "SMS", action, code, node.sms_segments, node.line)
            # Texts said later (after a capability answers, e.g. a confirmation) are measured
            # on their own, with any {placeholder} counted as written.
            for name, by_language in node.texts().items():
                text = ctx.fill(by_language.get(code, ""))
                if text and not any(text in a.text for a in shown):
                    self._measure(node.id, name, Say(text, code), code, node.sms_segments,
                                  node.line)

    def check_wording(self, node: str, texts: dict[str, Texts], line: int) -> None:
        neutral = [w for words in self.script.neutral_words.values() for w in words]
        for name, by_language in texts.items():
            for code, text in by_language.items():
                folded = text.casefold()
                for word in neutral:
                    if word.casefold() in folded:
                        self.add(node, f"{name} in '{code}' uses '{word}', a word that must "
                                 "never reach a caller (neutral_words)", line)
                for word in self.script.loanwords.get(code, ()):
                    if word.casefold() in folded:
                        self.add(node, f"{name} in '{code}' uses the loanword '{word}'; "
                                 "write it in plain words", line, WARNING)
                for bare, value in bare_particles(text) if code == "ko" else ():
                    self.add(node, f"{name} in 'ko': '{bare}' may not agree with the value "
                             f"of {{{value}}}; write both forms: {both_forms(value)}", line,
                             WARNING)

    # -- the whole graph ----------------------------------------------------------------

    def check_reachable(self) -> None:
        roots = [self.script.start, *(n.id for n in self.script.nodes.values() if n.entry)]
        seen = set(roots)
        todo = list(roots)
        while todo:
            node = self.script.nodes.get(todo.pop())
            for target in node.targets() if node else ():
                if target in self.script.nodes and target not in seen:
                    seen.add(target)
                    todo.append(target)
        for node in self.script.nodes.values():
            if node.id not in seen:
                self.add(node.id, f"unreachable: no way leads here from start "
                         f"'{self.script.start}'", node.line)

    def check_dead_ends(self) -> None:
        for node in self.script.nodes.values():
            if not node.ends and not node.targets():
                self.add(node.id, f"dead end: a {node.kind} node needs a goto (only an end "
                         "node may stop the conversation)", node.line)

    def check_loops(self) -> None:
        nodes = self.script.nodes
        passing = {i for i, n in nodes.items() if not n.waits and not n.ends}
        reach: dict[str, set[str]] = {}
        for start in passing:
            seen: set[str] = set()
            todo = [start]
            while todo:
                for target in nodes[todo.pop()].targets():
                    if target in passing and target not in seen:
                        seen.add(target)
                        todo.append(target)
            reach[start] = seen
        reported: set[str] = set()
        for node_id in nodes:  # script order, so each loop is named by its first node
            if node_id not in passing or node_id not in reach[node_id] or node_id in reported:
                continue
            loop = [m for m in nodes if m in passing and m in reach[node_id]
                    and node_id in reach[m]]
            reported.update(loop)
            path = " -> ".join([*loop, loop[0]])
            self.add(node_id, f"goto loop that never waits for the caller: {path}",
                     nodes[node_id].line)

    # -- helpers ------------------------------------------------------------------------

    def _context(self, node_id: str, language: str) -> Context:
        session = Session(script=self.script.name, node=node_id, language=language,
                          channel="sms")
        return Context(self.script, session, 0.0)

    def _measure(self, node: str, what: str, action: Say | Ask, code: str, budget: int,
                 line: int) -> None:
        if code in self.broken:
            return  # the template is reported already; the text cannot be laid out
        text = sms_text(action, self.script.languages[code])
        count = count_segments(text)
        if count.segments > budget:
            limit = sms_budget(budget, count.encoding)
            self.add(node, f"{what} in '{code}' takes {count.segments} segments "
                     f"({count.units} {count.encoding} characters, budget {budget} = {limit}); "
                     f"shorten it{' or set sms_segments' if node != 'phrases' else ''}", line)


def format_problem(problem: Problem) -> str:
    """Return one line `file:node: message`, with warnings marked."""
    where = f"{problem.file}:{problem.node}" if problem.node else problem.file
    mark = "warning: " if problem.severity == WARNING else ""
    return f"{where}: {mark}{problem.message}"

