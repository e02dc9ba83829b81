"""Voice webhook: Gather in the caller's language, digits walk the menu, dropped calls resume."""

import xml.etree.ElementTree as ET

import pytest

CALLER = "+821012345678"


def twiml(response):
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return root


def said(root):
    return " ".join(s.text or "" for s in root.iter("Say"))


@pytest.fixture()
def script(app):
    return app.extensions["hotline"].scripts.entry()


@pytest.fixture()
def phone(signed_post):
    """call() starts a call (new CallSid); press(d) / say(t) / wait() answer the Gather."""

    class Phone:
        calls = 0
        sid = ""

        def call(self, sender=CALLER):
            Phone.calls += 1
            self.sid = f"CA{Phone.calls:032d}"
            self.sender = sender
            return twiml(signed_post("/twilio/voice", self._params()))

        def _params(self, **extra):
            return {"CallSid": self.sid, "From": self.sender, "To": "+15005550006",
                    "CallStatus": "in-progress", "Direction": "inbound", **extra}

        def gather(self, **extra):
            return twiml(signed_post("/twilio/voice/gather", self._params(**extra)))

        def press(self, digits):
            return self.gather(Digits=digits)

        def say(self, text):
            return self.gather(SpeechResult=text, Confidence="0.9")

        def wait(self):
            return self.gather()

    return Phone()


def first_option(script):
    return next(o for o in script.nodes[script.start].options if o.key == "1")


def test_a_call_gets_a_korean_gather_on_the_public_url(app, script, phone):
    root = phone.call()
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("language") == "ko-KR"
    assert gather.get("input") == "dtmf speech"
    assert gather.get("action").startswith("https://hotline.example.org/twilio/voice/gather?t=")
    assert gather.get("method") == "POST"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.get("timeout") == "6"
    assert gather.get("speechTimeout") == "auto"
    keys = [o.key for o in script.nodes[script.start].options]
    if all(len(k) == 1 for k in keys):
        assert gather.get("numDigits") == "1"
    assert first_option(script).label["ko"] in gather.get("hints")
    say = gather.find("Say")
    assert say.get("voice") == script.languages["ko"].voice != ""
    assert say.get("language") == "ko-KR"
    assert script.nodes[script.start].text["ko"] in say.text
    assert "1번" in say.text


def test_digits_walk_the_menu(script, phone):
    phone.call()
    root = phone.press("1")
    target = script.nodes[first_option(script).goto]
    assert target.text["ko"] in said(root)


def test_speech_of_an_option_label_walks_the_menu(script, phone):
    phone.call()
    option = first_option(script)
    root = phone.say(option.label["ko"])
    assert script.nodes[option.goto].text["ko"] in said(root)


def test_silence_says_so_and_asks_again(script, phone):
    phone.call()
    root = phone.wait()
    text = said(root)
    assert script.phrase("silence", "ko") in text
    assert root.find("Gather") is not None
    assert script.nodes[script.start].text["ko"] in said(root.find("Gather"))


def test_a_dropped_call_resumes_where_it_stopped(script, phone, clock):
    phone.call()
    phone.press("1")
    target = script.nodes[first_option(script).goto]
    clock.advance(10 * 60)
    root = phone.call()  # a new CallSid from the same number
    gather = root.find("Gather")
    assert script.phrase("resume", "ko") in said(gather)
    assert script.phrase("resume_yes", "ko") in said(gather)
    root = phone.press("1")
    assert target.text["ko"] in said(root)


def test_a_call_after_thirty_minutes_starts_afresh(script, phone, clock):
    phone.call()
    phone.press("1")
    clock.advance(31 * 60)
    root = phone.call()
    assert script.phrase("resume", "ko") not in said(root)
    assert script.nodes[script.start].text["ko"] in said(root)


def test_resume_no_starts_from_the_beginning(script, phone, clock):
    phone.call()
    phone.press("1")
    clock.advance(60)
    phone.call()
    root = phone.press("2")
    assert script.nodes[script.start].text["ko"] in said(root)


def test_saying_a_language_name_switches_voice_and_recognition(script, phone):
    phone.call()
    english = script.languages["en"]
    root = phone.say(english.name)
    gather = root.find("Gather")
    assert gather.get("language") == english.speech == "en-US"
    assert gather.find("Say").get("voice") == english.voice
    assert script.nodes[script.start].text["en"] in gather.find("Say").text
