"""The menu engine on plain data: menus, keywords, languages, limits, resuming.

Every conversation saves the session as JSON and loads it again between steps, as the
webhooks do, so anything that does not survive JSON fails here.
"""

from __future__ import annotations

import json

import pytest

from hotline.engine import Begin, Digits, Session, Silence, Text, parse_script, step
from hotline.engine.actions import Ask, End, Say, action_from_dict, action_to_dict
from hotline.engine.runner import Options, Result

SCRIPT = parse_script("""
spec_version: 1
name: t
default_language: ko
start: main
languages:
  ko: {name: 한국어, keywords: [korean, 한국말]}
  en: {name: English, keywords: [영어]}
phrases:
  invalid: {ko: 다시 골라 주세요., en: Please choose again.}
  silence: {ko: 못 들었어요., en: We heard nothing.}
  resume: {ko: 이어서 할까요?, en: Continue?}
  resume_yes: {ko: 이어서, en: Continue}
  resume_no: {ko: 처음부터, en: Start over}
  give_up: {ko: "급하면 {emergency}번에 전화하세요.", en: "In an emergency, call {emergency}."}
nodes:
  main:
    type: menu
    text: {ko: 무엇을 도와드릴까요?, en: How can we help?}
    options:
      - key: 1
        label: {ko: 건강 지원, en: Health}
        keywords: {ko: [건강], en: [health, programme]}
        goto: programmes
      - key: 2
        label: {ko: 도시 알려 주기, en: Your city}
        keywords: {ko: [도시], en: [city]}
        goto: ask_city
      - key: 9
        label: {ko: English, en: 한국어}
        goto: language
  programmes:
    type: menu
    text: {ko: 고르세요., en: Choose one.}
    options:
      - key: 1
        label: {ko: 상담, en: Counselling}
        keywords: {ko: [상담], en: [counselling]}
        goto: counselling
      - key: 2
        label: {ko: 또래 상담가 교육, en: Peer training}
        keywords: {ko: [또래, 상담가], en: [peer]}
        goto: peer
      - key: 0
        label: {ko: 처음으로, en: Back}
        goto: main
  counselling:
    type: message
    text: {ko: 무료 상담 6시간., en: "Free counselling, 6 hours."}
    goto: programmes
  peer:
    type: message
    text: {ko: 기본 20시간 심화 40시간., en: "Basic 20 hours, advanced 40."}
    goto: programmes
  ask_city:
    type: question
    text: {ko: 어느 도시에 계세요?, en: Which city?}
    var: city
    goto: bye
  bye:
    type: end
    text: {ko: "{city}에서 연락 주셔서 고마워요.", en: "Thanks for writing from {city}."}
  language:
    type: language
    text: {ko: 언어를 고르세요., en: Choose a language.}
    goto: main
""", file="t.yaml")

MINUTE = 60.0


class Phone:
    """One caller talking to the engine; the session goes through JSON between steps."""

    def __init__(self, script=SCRIPT, channel="sms", country="KR", options=None):
        self.script = script
        self.channel = channel
        self.country = country
        self.options = options or Options()
        self.saved: str | None = None
        self.now = 1_000_000.0
        self.result: Result | None = None

    @property
    def session(self) -> Session | None:
        return None if self.saved is None else Session.from_dict(json.loads(self.saved))

    def _step(self, event) -> list[str]:
        result = step(self.script, self.session, event, now=self.now, options=self.options)
        self.saved = json.dumps(result.session.to_dict(), ensure_ascii=False)
        assert Session.from_dict(json.loads(self.saved)) == result.session
        for action in result.actions:  # actions survive JSON too
            assert action_from_dict(json.loads(json.dumps(action_to_dict(action)))) == action
        self.result = result
        return [a.text for a in result.actions if isinstance(a, (Say, Ask))]

    def begin(self, text="", after=0.0) -> list[str]:
        self.now += after
        return self._step(Begin(self.channel, text, self.country))

    def send(self, text: str, after=0.0) -> list[str]:
        self.now += after
        return self._step(Text(text))

    def press(self, digits: str, after=0.0) -> list[str]:
        self.now += after
        return self._step(Digits(digits))

    def silence(self) -> list[str]:
        return self._step(Silence())

    @property
    def ask(self) -> Ask:
        assert self.result is not None
        last = self.result.actions[-1]
        assert isinstance(last, Ask), self.result.actions
        return last

    @property
    def ended(self) -> bool:
        assert self.result is not None
        return isinstance(self.result.actions[-1], End)


# -- menus and keywords -------------------------------------------------------------------

def test_first_sms_gets_the_main_menu_with_its_choices():
    phone = Phone()
    assert phone.begin("안녕하세요") == ["무엇을 도와드릴까요?"]
    assert [(c.key, c.label) for c in phone.ask.choices] == [
        ("1", "건강 지원"), ("2", "도시 알려 주기"), ("9", "English")]
    assert phone.session is not None and phone.session.node == "main"


def test_digits_walk_the_menu_and_a_message_goes_straight_on():
    phone = Phone(channel="voice")
    phone.begin()
    assert phone.press("1") == ["고르세요."]
    assert phone.press("1") == ["무료 상담 6시간.", "고르세요."]
    assert phone.press("0") == ["무엇을 도와드릴까요?"]


@pytest.mark.parametrize("typed, reply", [
    ("１", "고르세요."),  # a full-width digit
    (" 1. ", "고르세요."),
    ("건강 지원", "고르세요."),  # the label
    ("건강이 궁금해요", "고르세요."),  # a keyword inside a sentence
    ("HEALTH", "고르세요."),  # an English keyword while the caller is in Korean
    ("도시", "어느 도시에 계세요?"),
])
def test_a_caller_may_type_the_key_the_label_or_a_keyword(typed, reply):
    phone = Phone()
    phone.begin("안녕")
    assert phone.send(typed)[-1] == reply


def test_the_longest_keyword_wins():
    phone = Phone()
    phone.begin("안녕")
    phone.send("1")
    assert phone.send("또래 상담가")[0].startswith("기본 20시간")
    assert phone.send("상담")[0].startswith("무료 상담")


def test_english_keywords_in_english():
    phone = Phone()
    assert phone.begin("hello") == ["How can we help?"]
    assert phone.send("health programme") == ["Choose one."]
    assert phone.send("peer")[0] == "Basic 20 hours, advanced 40."
    assert [c.label for c in phone.ask.choices] == ["Counselling", "Peer training", "Back"]


# -- languages ----------------------------------------------------------------------------

@pytest.mark.parametrize("first, language", [
    ("안녕하세요", "ko"), ("Hello", "en"), ("Здравствуйте", "ko"), ("", "ko"), ("123", "ko"),
])
def test_first_sms_language_follows_the_letters(first, language):
    phone = Phone()
    phone.begin(first)
    assert phone.session is not None and phone.session.language == language


def test_voice_starts_in_the_default_language():
    phone = Phone(channel="voice")
    assert phone.begin() == ["무엇을 도와드릴까요?"]


def test_typing_a_language_name_switches_at_any_menu():
    phone = Phone()
    phone.begin("안녕")
    phone.send("1")
    assert phone.send("English") == ["Choose one."]
    assert phone.send("한국말") == ["고르세요."]


def test_the_language_node_lists_languages_and_switches():
    phone = Phone(channel="voice")
    phone.begin()
    assert phone.press("9") == ["언어를 고르세요."]
    assert [(c.key, c.label) for c in phone.ask.choices] == [("1", "한국어"), ("2", "English")]
    assert phone.press("2") == ["How can we help?"]
    assert phone.session is not None and phone.session.language == "en"


# -- wrong answers, silence, the give-up limit ---------------------------------------------

def test_a_wrong_answer_says_so_and_asks_again():
    phone = Phone()
    phone.begin("안녕")
    assert phone.send("7") == ["다시 골라 주세요.", "무엇을 도와드릴까요?"]
    assert phone.session is not None and phone.session.invalid == 1
    assert phone.send("1") == ["고르세요."]
    assert phone.session.invalid == 0


def test_silence_on_a_call_repeats_the_menu():
    phone = Phone(channel="voice")
    phone.begin()
    assert phone.silence() == ["못 들었어요.", "무엇을 도와드릴까요?"]


@pytest.mark.parametrize("country, number", [
    ("KR", "119"), ("US", "911"), ("CN", "120"), ("RU", "112"), ("", "112"), ("FR", "112"),
])
def test_too_many_wrong_answers_give_the_local_emergency_number(country, number):
    phone = Phone(country=country)
    phone.begin("안녕")
    phone.send("1")
    phone.send("x")
    phone.send("y")
    said = phone.send("z")
    assert said[0] == f"급하면 {number}번에 전화하세요."
    assert said[-1] == "고르세요." or said[-1] == "무엇을 도와드릴까요?"
    assert phone.session is not None and phone.session.node == "main"  # back at the start
    assert phone.session.invalid == 0


def test_max_invalid_is_an_engine_option():
    phone = Phone(options=Options(max_invalid=1))
    phone.begin("hi")
    assert phone.send("x")[0] == "In an emergency, call 119."


def test_an_empty_answer_to_a_question_is_a_wrong_answer():
    phone = Phone()
    phone.begin("안녕")
    phone.send("2")
    assert phone.send("   ") == ["다시 골라 주세요.", "어느 도시에 계세요?"]


def test_a_question_keeps_the_answer_for_later_texts_and_the_end_ends():
    phone = Phone()
    phone.begin("안녕")
    phone.send("2")
    assert phone.send("서울") == ["서울에서 연락 주셔서 고마워요."]
    assert phone.ended
    assert phone.session is not None and phone.session.wait is None
    # After the end, the next message starts again from the top.
    assert phone.send("안녕") == ["무엇을 도와드릴까요?"]


# -- failing safe ---------------------------------------------------------------------------

LOOP = parse_script("""
spec_version: 1
start: a
languages: {ko: {name: 한국어}}
phrases:
  give_up: {ko: "급하면 {emergency}번에 전화하세요."}
nodes:
  a: {type: message, text: {ko: 가}, goto: b}
  b: {type: message, text: {ko: 나}, goto: a}
""")


def test_a_goto_loop_fails_safe_with_the_emergency_number():
    phone = Phone(script=LOOP, country="US")
    said = phone.begin("안녕")
    assert said[-1] == "급하면 911번에 전화하세요."
    assert len(said) <= Options().max_steps + 1
    assert phone.ended and phone.session is not None and phone.session.wait is None


def test_a_missing_target_fails_safe():
    broken = parse_script("""
spec_version: 1
start: a
languages: {ko: {name: 한국어}}
phrases:
  give_up: {ko: "급하면 {emergency}번에 전화하세요."}
nodes:
  a: {type: message, text: {ko: 가}, goto: nowhere}
""")
    phone = Phone(script=broken, country="CN")
    assert phone.begin("안녕") == ["가", "급하면 120번에 전화하세요."]
    assert phone.ended


# -- resuming -------------------------------------------------------------------------------

def _in_programmes(channel="voice") -> Phone:
    phone = Phone(channel=channel)
    phone.begin("안녕")
    phone.send("1") if channel == "sms" else phone.press("1")
    return phone


def test_a_caller_back_within_30_minutes_is_asked_to_continue():
    phone = _in_programmes()
    assert phone.begin(after=29 * MINUTE) == ["이어서 할까요?"]
    assert [(c.key, c.label) for c in phone.ask.choices] == [("1", "이어서"), ("2", "처음부터")]
    assert phone.press("1") == ["고르세요."]
    assert phone.session is not None and phone.session.node == "programmes"


def test_a_caller_may_choose_to_start_over():
    phone = _in_programmes()
    phone.begin(after=5 * MINUTE)
    assert phone.press("2") == ["무엇을 도와드릴까요?"]


def test_a_caller_back_after_30_minutes_starts_fresh():
    phone = _in_programmes()
    assert phone.begin(after=31 * MINUTE) == ["무엇을 도와드릴까요?"]
    assert phone.session is not None and phone.session.node == "main"


def test_a_late_answer_after_30_minutes_starts_fresh():
    phone = _in_programmes(channel="sms")
    assert phone.send("1", after=31 * MINUTE) == ["무엇을 도와드릴까요?"]


def test_an_sms_after_a_pause_that_fits_the_menu_just_goes_on():
    phone = _in_programmes(channel="sms")
    assert phone.send("1", after=15 * MINUTE)[0] == "무료 상담 6시간."


def test_an_sms_after_a_pause_that_does_not_fit_asks_to_continue():
    phone = _in_programmes(channel="sms")
    assert phone.send("안녕하세요", after=15 * MINUTE) == ["이어서 할까요?"]
    assert phone.send("1") == ["고르세요."]


def test_a_caller_at_the_start_is_not_asked_to_continue():
    phone = Phone(channel="voice")
    phone.begin()
    assert phone.begin(after=MINUTE) == ["무엇을 도와드릴까요?"]


def test_the_resume_question_is_in_the_callers_language():
    phone = Phone()
    phone.begin("hello")
    phone.send("1")
    assert phone.begin("hi", after=MINUTE) == ["Continue?"]


FILLED = parse_script("""
spec_version: 1
name: filled
default_language: ko
start: ask_city
languages:
  ko: {name: 한국어}
  en: {name: English}
nodes:
  ask_city:
    type: question
    text: {ko: 어느 도시에 계세요?, en: Which city?}
    var: city
    goto: menu
  menu:
    type: menu
    text: {ko: 고르세요., en: Choose one.}
    options:
      - key: 1
        label: {ko: "{city} 병원", en: "Clinics in {city}"}
        goto: ask_city
      - key: 2
        label: {ko: 쉼터, en: Shelters}
        goto: ask_city
""")


def test_menu_choices_are_each_callers_own_when_a_label_is_filled_in():
    # The choices of a menu are worked out once per script and language, but only when
    # no label has anything to fill in: each caller still sees their own city.
    labels = []
    for city in ("서울", "부산"):
        phone = Phone(script=FILLED)
        phone.begin("안녕")
        phone.send(city)
        labels.append([c.label for c in phone.ask.choices])
    assert labels == [["서울 병원", "쉼터"], ["부산 병원", "쉼터"]]
    english = Session(script="filled", node="ask_city", language="en", channel="sms",
                      updated=1_000_000.0, wait="question")
    result = step(FILLED, english, Text("Busan"), now=1_000_001.0)
    asked = next(a for a in result.actions if isinstance(a, Ask))
    assert [c.label for c in asked.choices] == ["Clinics in Busan", "Shelters"]
