"""Rendered TwiML kept per script version (channels/rendered.py): the same document as a
fresh rendering, a fresh Gather token every time, nothing one-off held, no edit missed."""

import re
from dataclasses import replace

from hotline.channels import rendered, sms, voice
from hotline.channels.twiml import text as twiml_text
from hotline.engine.actions import Ask, Choice, End, Say
from hotline.engine.model import Language, Script

KO = Language("ko", "한국어", voice="Polly.Seoyeon", speech="ko-KR", press="{label}: {key}번",
              reply="{key} {label}")
URL = "https://hotline.example.org"
MENU = (Say("안녕하세요.", "ko"),
        Ask("무엇을 도와드릴까요?", "ko", "menu", (Choice("1", "병원"), Choice("2", "쉼터"))))
TOKEN = re.compile(r"\?t=([\w-]+)")


def _script(**changes):
    return Script(name="t", languages={"ko": replace(KO, **changes)}, default_language="ko",
                  start="a", nodes={})


def test_a_kept_document_is_the_one_a_fresh_rendering_writes_with_a_new_token_each_time():
    script = _script()
    fresh_sms = twiml_text(sms.render(MENU, script))
    fresh_voice = twiml_text(voice.render(MENU, script, URL, token="T"))
    tokens = set()
    for _ in range(4):  # the first two rendered, the next two from what was kept
        assert rendered.twiml("sms", MENU, script, URL) == fresh_sms
        document = rendered.twiml("voice", MENU, script, URL)
        tokens.update(TOKEN.findall(document))
        assert TOKEN.sub("?t=T", document) == fresh_voice
    assert len(tokens) == 4  # two equal presses are still two deliveries to the replay guard


def test_a_one_off_answer_is_not_held():
    script = _script()
    words = (Say("요청을 받았어요: 서울역 3번 출구", "ko"), End())
    rendered.twiml("sms", words, script, URL)
    held = script.kept("_rendered_twiml")
    assert not any("서울역" in document for document, _ in held.values())
    rendered.twiml("sms", words, script, URL)  # seen twice: now it may be kept
    assert any("서울역" in document for document, _ in script.kept("_rendered_twiml").values())


def test_a_published_version_is_never_answered_with_the_last_ones_document():
    before, after = _script(), _script(voice="Polly.Jihye")
    for _ in range(3):
        rendered.twiml("voice", MENU, before, URL)
    assert 'voice="Polly.Jihye"' in rendered.twiml("voice", MENU, after, URL)
    assert 'voice="Polly.Seoyeon"' in rendered.twiml("voice", MENU, before, URL)


def test_at_most_kept_documents_are_held_per_version():
    script = _script()
    for n in range(rendered.KEPT + 50):
        said = (Say(f"{n}번 안내", "ko"),)
        rendered.twiml("sms", said, script, URL)
        rendered.twiml("sms", said, script, URL)
    assert 0 < len(script.kept("_rendered_twiml")) <= rendered.KEPT


def test_an_answer_with_nothing_to_say_needs_no_script():
    assert rendered.twiml("sms", (), None, URL) == twiml_text(sms.render((), None))
