"""The phrases sent outside the menu engine, named and checked: to volunteers (pages,
replies to their SMS commands, what a bridged call says to them) and to callers (replies
to STOP, START, HELP, DELETE, the text after a call back that never got through, the
emergency line of an urgent call nobody took, the answer when the hotline is down).

Their words live in the entry script's `phrases:` (ivr_scripts/main.yaml), in every
language the script declares, so staff edit them and `hotline scripts lint` checks them:
a translation in each language, neutral words, loanwords, placeholders, and one SMS
segment with sample values filled in. The replies to caller words are also written in
every language of the caller words (STOP in Chinese is answered in Chinese).
hotline.scripts.volunteer_texts reads them at run time; the built-in lines below
(FALLBACK, CALLER_FALLBACK) are used only when a phrase is missing.
"""

from __future__ import annotations

import re

from hotline.engine.korean import agree

# The languages the hotline speaks: a text may be written in one ahead of a script
# declaring it (the linter warns only about other codes).
HOTLINE_LANGUAGES = ("ko", "en", "zh", "ru")

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
    "volunteer_not_connected": "said to a volunteer who did not press 1 (or whose request "
                               "is gone): the request goes back to the queue",
    "volunteer_connecting": "said to a volunteer who pressed 1, before the caller rings",
    "volunteer_call_ended": "said to the volunteer when the caller hung up: text DONE {id}",
    "volunteer_caller_missed": "said to the volunteer when the caller did not answer",
    "volunteer_message": "said in the whisper before the caller's voice message plays",
    "urgent_chose_menu": "a page's {words} when the caller chose urgent help by its key, "
                         "without words",
    "waited_minutes": "how long a request waited, under two hours: {n} minutes",
    "waited_hours": "how long a request waited, two hours or more: {n} hours",
    **{f"topic_{topic}": f"the topic '{topic}' of a request, in a whisper or NEXT reply"
       for topic in ("counselling", "clinic", "shelter", "settlement", "missed_call",
                     "urgent", "other", "programme", "check-in")},
    **{f"language_{code}": f"the name of the language '{code}' of a request or case"
       for code in HOTLINE_LANGUAGES},
    # To a caller (sent by a job, so read like the texts above): the reminder before a
    # programme's session; {what} is the programme's neutral reminder words.
    "programme_reminder": "to a caller before a session: {month} {day} {time} {what}",
    "programme_changed": "to a caller when staff move their session: {month} {day} {time} "
                         "{what}",
    "programme_cancelled": "to a caller when staff cancel their session: {what}",
    "programme_missed": "to a caller marked as having missed a session, once: the next "
                        "session {month} {day} {time} {what}; reply 1 joins it, 3 asks a call",
    "programme_missed_call": "the same with no session left: {what}; reply 3 asks a call",
    # Said in the short reminder call to a caller who joined by voice.
    "programme_reminder_voice": "the reminder call: {month} {day} {time} {what}; keys 1 "
                                "confirm, 2 cancel, 3 call",
    "programme_voice_confirmed": "the reminder call: 1 pressed, the seat is confirmed",
    "programme_voice_cancelled": "the reminder call: 2 pressed, the sign-up is cancelled",
    "programme_voice_callback": "the reminder call: 3 pressed, a call back is asked",
}

# Texts to callers outside the menu: name -> what it is for. All of them once one is
# there; the WORD_REPLIES also in every language of the caller words.
CALLER_PHRASES: dict[str, str] = {
    "caller_help": "reply to HELP: what the number is, how to STOP and DELETE",
    "caller_stop": "reply to STOP: no more texts, how to START again",
    "caller_start": "reply to START: texts are back on",
    "caller_deleted": "reply to DELETE: everything kept about the number is erased",
    "callback_tried": "one text after the last call back that did not reach the caller",
    "urgent_nobody": "said on an urgent call nobody on call took: give {emergency}",
    "fallback_unavailable": "the answer when the hotline cannot work (Redis or a worker "
                            "down): give {emergency}",
    "voicemail_invite": "said after urgent_nobody: leave a short message after the beep",
    "voicemail_thanks": "said when a caller's voice message is recorded: we call back",
}
WORD_REPLIES = ("caller_help", "caller_stop", "caller_start", "caller_deleted")
# said on a call, never sent as a text
SPOKEN_ONLY = ("urgent_nobody", "programme_reminder_voice", "programme_voice_confirmed",
               "programme_voice_cancelled", "programme_voice_callback", "voicemail_invite",
               "voicemail_thanks")

# Values the linter fills in before it counts segments: the longest a live text gets.
_SAMPLES_EN = {"code": "K7Q4", "language": "ko", "words": "help me", "staff": "staff",
               "id": "10042", "topic": "settlement help", "waited": "45 minutes",
               "n": "45", "emergency": "119",
               "month": "12", "day": "31", "time": "18:00", "what": "a health meeting",
               "level": "primary", "count": "3",
               "gaps": "12-08 21:00-24:00 primary…", "name": "Kim Jiyu",
               "first": "2026-12-10", "last": "2026-12-12"}
_SAMPLES_KO = {**_SAMPLES_EN, "words": "살려주세요", "staff": "담당 직원",
               "topic": "정착 도움", "waited": "45분", "language": "ko", "what": "건강 모임"}
# Chinese and Russian are UCS-2 too: their samples are written in them.
_SAMPLES_ZH = {**_SAMPLES_EN, "words": "救命", "staff": "工作人员", "topic": "生活安顿",
               "waited": "45分钟", "language": "韩语", "what": "健康聚会", "name": "金智宇"}
_SAMPLES_RU = {**_SAMPLES_EN, "words": "помогите", "staff": "сотрудники",
               "topic": "обустройство", "waited": "45 мин", "language": "корейский",
               "what": "встреча", "level": "основной", "name": "Ким Джию"}
_SAMPLES = {"ko": _SAMPLES_KO, "zh": _SAMPLES_ZH, "ru": _SAMPLES_RU}


def samples(language: str) -> dict[str, str]:
    """Sample placeholder values for measuring a phrase in `language`."""
    return _SAMPLES.get(language, _SAMPLES_EN)


PLACEHOLDER = re.compile(r"\{(\w*)\}")


def placeholders(text: str) -> set[str]:
    """The {names} a phrase uses."""
    return set(PLACEHOLDER.findall(text))


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} with its value (unknown names stay as written); Korean particles
    written as 은(는) agree with the value before them (engine.korean)."""
    return agree(PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text))


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
    "volunteer_not_connected": "Not connected. The request goes back to its place in the "
                               "queue.",
    "volunteer_connecting": "Connecting.",
    "volunteer_call_ended": "The call has ended. When finished, text DONE {id}.",
    "volunteer_caller_missed": "No answer. We will try again later.",
    "volunteer_message": "The caller left a message.",
    "urgent_chose_menu": "(menu)",
    "waited_minutes": "{n} minutes",
    "waited_hours": "{n} hours",
    "topic_counselling": "counselling", "topic_clinic": "clinic", "topic_shelter": "shelter",
    "topic_settlement": "settlement help", "topic_missed_call": "missed call",
    "topic_urgent": "urgent", "topic_other": "other", "topic_programme": "health programme",
    "topic_check-in": "check-in call",
    "language_ko": "Korean", "language_en": "English", "language_zh": "Chinese",
    "language_ru": "Russian",
    "programme_reminder": "Reminder: {what}, {month}/{day} {time}. Reply 1 to confirm, "
                          "2 to cancel, 3 for a call.",
    "programme_changed": "Changed: {what} is now on {month}/{day} at {time}. "
                         "To cancel: 1, then 6.",
    "programme_cancelled": "Your {what} date is cancelled. Your number is erased.",
    "programme_missed": "We missed you at {what}. Next: {month}/{day} {time}. "
                        "Reply 1 to join, 3 for a call.",
    "programme_missed_call": "We missed you at {what}. To talk with someone, reply 3.",
    "programme_reminder_voice": "A reminder: {what}, on {month}/{day} at {time}. Press 1 to "
                                "confirm, 2 to cancel, 3 for a call.",
    "programme_voice_confirmed": "Thank you. See you then.",
    "programme_voice_cancelled": "Cancelled. Your number is erased.",
    "programme_voice_callback": "Got it. A volunteer will call you back.",
}

# A caller phrase missing from the scripts: plain, neutral, one segment; Korean first.
CALLER_FALLBACK: dict[str, dict[str, str]] = {
    "caller_help": {"ko": "무료 건강·생활 안내 번호예요. 처음부터 보려면 아무 글자나 보내세요. "
                          "문자 그만 받기: 중지, 기록 지우기: 삭제",
                    "en": "Free health and support information. Text anything for the menu. "
                          "STOP: no more texts. DELETE: erase your records."},
    "caller_stop": {"ko": "이제 문자를 보내지 않아요. 다시 받으려면 시작을 보내 주세요.",
                    "en": "You will get no more texts from us. Text START to get them again."},
    "caller_start": {"ko": "다시 문자를 받아요. 처음부터 보려면 아무 글자나 보내 주세요.",
                     "en": "Texts are back on. Text anything for the menu."},
    "caller_deleted": {"ko": "이 번호에 대해 남아 있던 기록을 모두 지웠어요.",
                       "en": "Everything we kept about this number is erased."},
    "callback_tried": {"ko": "전화를 드렸는데 연결되지 않았어요. 다시 전화를 원하시면 이 번호로 "
                                "문자 주세요.",
                       "en": "We tried to call you but could not reach you. "
                             "To ask for a call again, text this number."},
    "urgent_nobody": {"ko": "지금 바로 {emergency}에 전화하세요. 곧 다시 전화드릴게요.",
                      "en": "Please call {emergency} now. We will call you back soon."},
    "voicemail_invite": {"ko": "삐 소리 뒤에 짧게 말씀을 남기세요. 끝나면 우물 정 자를 누르세요.",
                         "en": "After the beep, leave a short message. Press the pound key "
                               "when done."},
    "voicemail_thanks": {"ko": "말씀을 잘 받았어요. 곧 이 번호로 다시 전화드릴게요.",
                         "en": "We got your message. We will call you back on this number."},
    "fallback_unavailable": {"ko": "지금은 연결이 어렵습니다. 급하면 {emergency}에 전화하세요.",
                             "en": "We cannot answer right now. In an emergency, call "
                                   "{emergency}."},
    "rate_limited": {"ko": "문자가 너무 많이 왔어요. 1분 뒤에 다시 보내 주세요. "
                           "급하면 {emergency}번에 전화하세요.",
                     "en": "Too many texts. Please wait a minute. In an emergency, call "
                           "{emergency}."},
    "rate_limited_voice": {"ko": "전화가 너무 자주 왔어요. 급하면 지금 {emergency}번에 "
                                 "전화하세요. 1분 뒤에 다시 걸어 주세요.",
                           "en": "Too many calls. In an emergency, call {emergency} now. "
                                 "Please call again in a minute."},
}


def fallback_text(name: str, language: str) -> str:
    """The built-in line of a phrase missing from the scripts ('' for an unknown name)."""
    lines = CALLER_FALLBACK.get(name)
    if lines is not None:
        return lines.get(language) or lines["ko"]
    return FALLBACK.get(name, "")
