"""The menu engine: pure functions over plain data.

No Flask, Twilio, Redis or RQ in here (tests/engine/test_engine_purity.py checks it).
`step(script, session, input)` returns the actions to render and the new session.
"""

from hotline.engine.actions import Action, Ask, Choice, End, Say, action_from_dict
from hotline.engine.inputs import Begin, Digits, Input, Silence, Text, input_from_dict
from hotline.engine.loader import ScriptError, load_script, load_scripts, parse_script
from hotline.engine.model import Script
from hotline.engine.runner import Options, Result, step
from hotline.engine.session import Session

__all__ = [
    "Action", "Ask", "Begin", "Choice", "Digits", "End", "Input", "Options", "Result",
    "Say", "Script", "ScriptError", "Session", "Silence", "Text", "action_from_dict",
    "input_from_dict", "load_script", "load_scripts", "parse_script", "step",
]
