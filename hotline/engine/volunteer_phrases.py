"""The phrases volunteers get (pages, replies to their SMS commands), named and checked.

Their words live in the entry script's `phrases:` (ivr_scripts/main.yaml), in every
language the script declares, so staff edit them and `hotline scripts lint` checks them:
a translation in each language, neutral words, loanwords, placeholders, and one SMS
segment with sample values filled in. hotline.scripts.volunteer_texts reads them at run time and
falls back to FALLBACK (English) only when a phrase is missing.
"""

from __future__ import annotations

import re

# name -> what it is for (the linter names it when the phrase is missing)
VOLUNTEER_PHRASES: dict[str, str] = {
    "urgent_page": "the page of an urgent case: {code} {language} {words}",
    "urgent_won": "ACK: the case is yours, your phone rings: {code}",
    "urgent_won_no_number": "ACK: the case is yours but the number expired: {code}",
    "urgent_claimed": "ACK again by the one who has it: {code}",
    "urgent_taken": "ACK after another took it, and the notice to the others: {code}",
    "urgent_closed": "ACK of a closed case: {code}",
    "urgent_unknown": "ACK of a code with no case: {code}",
    "urgent_not_paged": "ACK of an open case by someone not paged for it: {code} {staff}",
    "urgent_needs_code": "ACK without a code",
    "urgent_rang": "to the one who has the case: the caller rang again: {code}",
    "urgent_passed": "PASS: the case goes to the next level now: {code}",
    "urgent_voice_page": "a voice page, said to a paged volunteer: 1 takes, 2 passes: {code}",
    "urgent_voice_connecting": "a voice page: 1 pressed and the case is theirs",
    "urgent_voice_taken": "a voice page: 1 pressed but someone else has the case",
    "urgent_voice_passed": "a voice page: 2 pressed, passed on to the next level",
    "shift_reminder": "before a volunteer's on-call shift: {level} {time} (HH:MM, rota time)",
    "staff_gap_warning": "to staff once a day: gaps of the next 7 days: {count} {gaps}",
    "shift_cannot_ok": "CANNOT after a reminder: staff are told",
    "shift_cannot_none": "CANNOT with no coming shift reminded",
    "staff_shift_dropped": "to staff: a volunteer cannot do a shift: {name} {level} {time}",
    "shift_offer": "to the others of the level: a free shift: {level} {time} {staff}",
    "volunteer_leave_ok": "LEAVE: the days are set: {first} {last} (YYYY-MM-DD)",
    "volunteer_leave_bad": "LEAVE without days it can read (with an example)",
    "volunteer_staff": "who a volunteer asks when not paged (HOTLINE_STAFF_CONTACT wins)",
    "volunteer_help": "HELP: the commands",
    "volunteer_unknown": "a command the hotline does not know (with the commands)",
    "volunteer_empty": "NEXT with no request waiting",
    "volunteer_taken": "NEXT: the request taken: {id} {language} {topic} {waited}",
    "volunteer_next_off": "NEXT while OFF: how to turn ON",
    "volunteer_holding": "NEXT while still holding a request: {id}",
    "volunteer_done_needs_id": "DONE without a request number",
    "volunteer_not_found": "DONE of no open request: {id}",
    "volunteer_not_yours": "DONE of someone else's request: {id}",
    "volunteer_closed": "DONE: closed: {id}",
    "volunteer_on": "ON",
    "volunteer_off": "OFF",
    "volunteer_busy": "a retried command still being handled",
    "volunteer_whisper": "said when the hotline rings a volunteer for a request, before "
                         "'press 1': {id} {language} {topic} {waited}",
}

# Values the linter fills in before it counts segments: the longest a live text gets.
_SAMPLES_EN = {"code": "K7Q4", "language": "ko", "words": "help me", "staff": "staff",
               "id": "10042", "topic": "settlement help", "waited": "45 minutes",
               "level": "primary", "time": "18:00", "count": "3",
               "gaps": "12-08 21:00-24:00 primary…", "name": "Kim Jiyu",
               "first": "2026-12-10", "last": "2026-12-12"}
_SAMPLES_KO = {**_SAMPLES_EN, "words": "살려주세요", "staff": "담당 직원",
               "topic": "정착 도움", "waited": "45분", "language": "ko"}


def samples(language: str) -> dict[str, str]:
    """Sample placeholder values for measuring a phrase in `language`."""
    return _SAMPLES_KO if language == "ko" else _SAMPLES_EN


PLACEHOLDER = re.compile(r"\{(\w*)\}")


def placeholders(text: str) -> set[str]:
    """The {names} a phrase uses."""
    return set(PLACEHOLDER.findall(text))


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} with its value; unknown names stay as written."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


# Used only when the live scripts lack a phrase (e.g. an old published version).
FALLBACK: dict[str, str] = {
    "urgent_page": "URGENT {code} {language}: '{words}' reply ACK {code}",
    "urgent_won": "{code} is yours. We are calling you now; press 1 to connect.",
    "urgent_won_no_number": "{code} is yours, but the caller's number has expired; no call.",
    "urgent_claimed": "{code} is already yours.",
    "urgent_taken": "{code} was taken by another volunteer. Thank you.",
    "urgent_closed": "{code} is already closed.",
    "urgent_unknown": "No open urgent case {code}.",
    "urgent_not_paged": "{code} is open and with the volunteers on call. To help, "
                        "contact {staff}.",
    "urgent_needs_code": "Send the case code too, e.g. ACK K7Q",
    "urgent_rang": "{code}: the caller rang the hotline again, urgently.",
    "urgent_passed": "{code} is passed on to the next level now.",
    "urgent_voice_page": "Urgent case {code}. Press 1 to take it, 2 to pass it on.",
    "urgent_voice_connecting": "It is yours. Connecting.",
    "urgent_voice_taken": "Someone else took this case. Thank you.",
    "urgent_voice_passed": "Passed on to the next level. Thank you.",
    "shift_reminder": "Your {level} on-call shift starts at {time}. Reply CANNOT if you "
                      "cannot.",
    "volunteer_leave_ok": "Leave set from {first} to {last}. No pages on those days.",
    "volunteer_leave_bad": "Send the days of your leave, e.g. LEAVE 12-10 12-12",
    "shift_cannot_ok": "OK: staff are told, and the shift is offered to others.",
    "shift_cannot_none": "No coming shift of yours to cancel.",
    "staff_shift_dropped": "{name} cannot do the {level} shift at {time}.",
    "shift_offer": "The {level} shift at {time} is free. To take it, contact {staff}.",
    "staff_gap_warning": "Rota gaps, next 7 days ({count}): {gaps}",
    "volunteer_staff": "staff",
    "volunteer_help": "Commands: NEXT, DONE <id> [note], ACK <code>, PASS <code>, ON, OFF, "
                      "LEAVE <days>, HELP",
    "volunteer_unknown": "Unknown command. Commands: NEXT, DONE <id>, ACK <code>, "
                         "PASS <code>, ON, OFF, HELP",
    "volunteer_empty": "No callbacks are waiting now.",
    "volunteer_taken": "Request {id}: {language}, {topic}, waiting {waited}. "
                       "We are calling you now; press 1 to connect.",
    "volunteer_next_off": "You are OFF, so no request was given. Text ON, then NEXT.",
    "volunteer_holding": "You still have request {id}. Text DONE {id} when finished, "
                         "then NEXT.",
    "volunteer_done_needs_id": "Send the request number too, e.g. DONE 1042",
    "volunteer_not_found": "Request {id} does not exist or is already closed.",
    "volunteer_not_yours": "Request {id} is being handled by someone else.",
    "volunteer_closed": "Request {id} closed. Thank you.",
    "volunteer_on": "You are available for callbacks. Text OFF to stop.",
    "volunteer_off": "You are off. Text ON to take callbacks again.",
    "volunteer_busy": "Working on it.",
    "volunteer_whisper": "Request {id}. {language}, {topic}. Waiting {waited}. "
                         "Press 1 to connect.",
}
