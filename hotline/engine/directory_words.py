"""Words of the directory_search node: built-in texts per language, categories, hours.

Staff may override any text in a node's YAML; these are used where they do not.
"""

from __future__ import annotations

from typing import Any

from hotline.engine.model import Texts

# Kinds of help in the directory (an HSDS service taxonomy of our own).
CATEGORIES = ("clinic", "mental_health", "dental", "korean_medicine", "tb_care", "shelter",
              "food", "legal", "settlement")

# Words the node needs besides `text`; staff may override any of them in YAML.
DEFAULTS: dict[str, Texts] = {
    "nearby": {"ko": "{place}에는 없어요. 가까운 곳:", "en": "None in {place}. Nearest:",
               "zh": "{place}没有。最近的：", "ru": "{place}: нет. Ближайшие:"},
    "none": {"ko": "{place} 근처에서 찾지 못했어요.", "en": "Nothing found near {place}.",
             "zh": "{place}附近没有找到。", "ru": "{place}: рядом ничего нет."},
    "unknown": {"ko": "'{query}' 지역을 찾지 못했어요.", "en": "We do not know the place '{query}'.",
                "zh": "找不到'{query}'这个地方。", "ru": "Место '{query}' не найдено."},
    "which": {"ko": "어느 곳인가요?", "en": "Which place?", "zh": "哪个地方？",
              "ru": "Какое место?"},
    "more": {"ko": "더 보기", "en": "More", "zh": "更多", "ru": "Ещё"},
    "again": {"ko": "다른 곳 찾기", "en": "Another place", "zh": "换个地方",
              "ru": "Другое место"},
    "try_nearby": {"ko": "{place} 보기", "en": "See {place}", "zh": "看{place}",
                   "ru": "Смотреть {place}"},
    "callback_label": {"ko": "다시 전화 받기", "en": "Call me back", "zh": "给我回电",
                       "ru": "Перезвоните мне"},
    "back_label": {"ko": "처음으로", "en": "Main menu", "zh": "主菜单", "ru": "В начало"},
    "repeat": {"ko": "다시 듣기", "en": "Repeat", "zh": "再听一遍", "ru": "Повторить"},
    "next": {"ko": "다음", "en": "Next", "zh": "下一个", "ru": "Дальше"},
    "send": {"ko": "문자로 받기", "en": "Get it by text", "zh": "短信发送", "ru": "Получить SMS"},
    "sent": {"ko": "문자로 보냈어요.", "en": "We sent it by text.", "zh": "已发短信。",
             "ru": "Отправили SMS."},
    # Only for a script without the phrase `sms_opted_out`.
    "not_sent": {"ko": "문자를 받지 않기로 하셔서 보내지 못했어요. 다시 받으려면 시작이라고 문자를 보내 주세요.",
                 "en": "We could not text you: texts to this number are stopped. "
                       "To get them again, text START.",
                 "zh": "您已停止接收短信，所以没有发送。如需恢复，请发送：开始",
                 "ru": "SMS не отправлено: вы отключили SMS. Чтобы включить, напишите: старт"},
    "last": {"ko": "더 없어요.", "en": "No more results.", "zh": "没有更多了。",
             "ru": "Больше нет."},
    "always": {"ko": "24시간", "en": "24h", "zh": "24小时", "ru": "круглосуточно"},
    "always_spoken": {"ko": "24시간 열어요", "en": "open 24 hours", "zh": "24小时开放",
                      "ru": "открыто круглосуточно"},
    "phone": {"ko": "전화", "en": "phone", "zh": "电话", "ru": "телефон"},
    # A number that is neither a key nor a postal code: what to send instead.
    "postal_hint": {"ko": "지역 이름이나 우편번호 5자리를 보내 주세요.",
                    "en": "Send a place name or a 5-digit postal code (ZIP).",
                    "zh": "请发送地名或5位邮编。",
                    "ru": "Пришлите название места или индекс из 5 цифр."},
    "postal_hint_voice": {"ko": "지역 번호 하나를 누르거나, 우편번호 5자리를 누른 뒤 "
                                "우물 정 자를 누르세요.",
                          "en": "Press one region number, or key a 5-digit postal code "
                                "and then the pound key.",
                          "zh": "请按一个地区号码，或按5位邮编后再按井号键。",
                          "ru": "Нажмите цифру региона или наберите индекс "
                                "из 5 цифр и решётку."},
}
DAY_NAMES: dict[str, tuple[str, ...]] = {
    "ko": ("월", "화", "수", "목", "금", "토", "일"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
}
_DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _time(hhmm: str) -> str:
    hours, _, minutes = hhmm.partition(":")
    return str(int(hours)) + (f":{minutes}" if minutes and minutes != "00" else "")


def hours_text(result: dict[str, Any], language: str, always: str) -> str:
    """Opening hours for a caller: '24시간', '월-금 9-18, 토 10-14'."""
    if result.get("always"):
        return always
    names = DAY_NAMES.get(language, DAY_NAMES["en"])
    parts = []
    for days, times in result.get("hours") or ():
        days = "-".join(names[_DAY_CODES.index(d)] if d in _DAY_CODES else d
                        for d in str(days).split("-"))
        spans = ",".join("-".join(_time(t) for t in span.split("-"))
                         for span in str(times).split(","))
        parts.append(f"{days} {spans}")
    return ", ".join(parts)


# How opening hours are spoken (voice): whole words instead of '월-금 9-18'.
SPOKEN_DAYS: dict[str, tuple[str, ...]] = {
    "ko": ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def _spoken_time(hhmm: str, language: str) -> str:
    hours, _, minutes = hhmm.partition(":")
    h, m = int(hours) % 24, int(minutes or 0)
    if language == "ko":
        return f"{h}시" + (f" {m}분" if m else "")
    suffix = "am" if h < 12 else "pm"
    return f"{h % 12 or 12}" + (f":{m:02d}" if m else "") + f" {suffix}"


def hours_speech(result: dict[str, Any], language: str, always: str) -> str:
    """Opening hours read aloud: '월요일부터 금요일까지 9시부터 18시까지'."""
    if result.get("always") or language not in SPOKEN_DAYS:
        return hours_text(result, language, always)
    names = SPOKEN_DAYS[language]
    parts = []
    for days, times in result.get("hours") or ():
        first, _, last = str(days).partition("-")
        day_names = [names[_DAY_CODES.index(d)] if d in _DAY_CODES else d for d in (first, last)]
        spans = []
        for span in str(times).split(","):
            opens, _, closes = span.partition("-")
            o, c = _spoken_time(opens, language), _spoken_time(closes, language)
            spans.append(f"{o}부터 {c}까지" if language == "ko" else f"{o} to {c}")
        if language == "ko":
            when = f"{day_names[0]}부터 {day_names[1]}까지" if last else day_names[0]
        else:
            when = f"{day_names[0]} to {day_names[1]}" if last else day_names[0]
        parts.append(f"{when} {', '.join(spans)}" if language == "ko"
                     else f"{when}, {', '.join(spans)}")
    return ", ".join(parts)
