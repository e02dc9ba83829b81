"""Volunteers who speak Chinese or Russian read their texts in it; others fall back."""

from hotline.engine.loader import load_script
from hotline.engine.segments import count_segments
from hotline.people.volunteers import Volunteer
from hotline.scripts.volunteer_texts import of_script

WORDS = of_script(load_script("ivr_scripts/main.yaml"))


def _volunteer(*languages: str) -> Volunteer:
    return Volunteer("v1", "Test", "+821011110009", languages, "volunteer", True)


def test_a_chinese_speaking_volunteer_is_paged_in_chinese_about_a_russian_caller():
    language = WORDS.language_for(_volunteer("zh", "ko"))
    page = WORDS.text("urgent_page", language, code="K7Q4",
                      language=WORDS.language_name("ru", language), words="помогите")
    assert page == "紧急 K7Q4 俄语：“помогите” 回复 ACK K7Q4"
    assert count_segments(page).segments == 1


def test_a_russian_speaking_volunteer_hears_the_whisper_in_russian_with_tatyana():
    language = WORDS.language_for(_volunteer("ru"))
    said = WORDS.text("volunteer_whisper", language, id="1042",
                      language=WORDS.language_name("zh", language),
                      topic=WORDS.topic_name("clinic", language),
                      waited=WORDS.waited(50 * 60, language))
    assert said == "Просьба 1042. китайский, врач. Ждёт 50 мин. Нажмите 1."
    assert WORDS.voice(language) == ("Polly.Tatyana", "ru-RU")


def test_a_volunteer_whose_languages_the_scripts_do_not_speak_reads_korean():
    assert WORDS.language_for(_volunteer("ja")) == "ko"
    assert WORDS.text("volunteer_empty", "ja") == "지금 기다리는 요청이 없어요."
