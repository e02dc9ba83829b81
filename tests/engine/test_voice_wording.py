"""How the shipped menus sound on a call: every English "press N" sentence reads naturally."""

from __future__ import annotations

import pathlib
import re

import pytest

from hotline.engine.actions import Ask, Choice
from hotline.engine.directory_words import DEFAULTS
from hotline.engine.loader import load_script
from hotline.engine.nodes import MenuNode
from hotline.engine.urgent_node import DEFAULT_NO, DEFAULT_YES
from hotline.engine.wording import voice_text

SCRIPTS = pathlib.Path(__file__).resolve().parents[2] / "ivr_scripts"
MAIN = load_script(str(SCRIPTS / "main.yaml"))

# Labels that start with a verb ("Find a clinic") must not follow "For"; labels that
# name a thing ("Counselling") must not follow "To".
VERBS = {"find", "call", "join", "cancel", "continue", "start", "stop", "get", "repeat",
         "see", "confirm", "choose", "send", "try", "go", "book"}


def shipped_labels() -> list[str]:
    """Every English option label a caller can hear from the shipped main script."""
    labels = []
    for node in MAIN.nodes.values():
        for name, texts in node.texts().items():
            if "label" in name and texts.get("en"):
                labels.append(texts["en"])
    labels += [MAIN.phrases["resume_yes"]["en"], MAIN.phrases["resume_no"]["en"]]
    labels += [lang.name for lang in MAIN.languages.values()]
    labels += [DEFAULT_YES["en"], DEFAULT_NO["en"]]
    labels += [DEFAULTS[name]["en"].format(place="Seoul")
               for name in ("more", "again", "try_nearby", "callback_label", "back_label",
                            "repeat", "next", "send")]
    for node in MAIN.nodes.values():
        for region in getattr(node, "regions", ()):
            labels.append(region.label["en"])
    return labels


def reads_naturally(sentence: str, label: str) -> bool:
    first = label.split()[0].lower()
    if sentence.startswith("For "):
        return first not in VERBS
    if sentence.startswith("To "):
        return first in VERBS
    return sentence.startswith(label)


@pytest.mark.parametrize("label", sorted(set(shipped_labels())))
def test_every_shipped_english_option_reads_naturally_inside_the_press_phrase(label):
    english = MAIN.languages["en"]
    sentence = voice_text(Ask("", "en", "menu", (Choice("2", label),)), english)
    assert reads_naturally(sentence, label), sentence
    assert sentence.endswith("press 2.")


def test_the_english_main_menu_sounds_like_a_person_reading_it():
    menu = MAIN.nodes["main_menu"]
    assert isinstance(menu, MenuNode)
    choices = tuple(Choice(o.key, o.label["en"]) for o in menu.options)
    heard = voice_text(Ask("How can we help?", "en", "menu", choices), MAIN.languages["en"])
    assert "Find a clinic: press 2." in heard
    assert "Call me back: press 4." in heard
    assert not re.search(r"For (Find|Call|Join|Cancel)", heard)
