"""Transcript tests: `*.test.yaml` conversations run through the real app by a simulated phone.

Each step is a real signed webhook, so the session is saved to Redis and loaded again
between steps as it is in production. The file format (see ivr_scripts/README.md):

    script: main
    tests:
      - name: Korean SMS walks to counselling
        channel: sms
        from: "+821012345678"
        steps:
          - send: 안녕하세요
            expect: 무엇을 도와드릴까요
          - send: "1"
            expect: [상담, 6시간]
            expect_not: 잘못

Voice steps are `call:`, `press: "1"`, `say: 상담`, `silence:`, `hangup:` and
`dial_ends: no-answer` (the call a <Dial> connected ends; default completed),
`record: 20` (after a <Record>'s beep the caller speaks 20 seconds, then presses #); a voice
step may add `ends: true` (the hotline hangs up after it) or `connects: true` (it puts the
caller through to a person). `wait: 31m` (s, m, h) moves the app's clock on without
sending anything, e.g. to test resuming a dropped call.

`given:` (for the file, or one test) sets what the hotline knows first: `volunteers:`
(name, phone, languages), `oncall:` (a rota file beside this one), `directory:` (a
directory file beside this one), `programmes:` (a programmes file beside this one) and `at:` (when the conversation happens, with its zone:
2026-11-23T10:00+09:00).
"""


from hotline.transcripts.coverage import coverage, uncovered
from hotline.transcripts.files import (
    DEFAULT_NUMBER,
    START_TIME,
    Exchange,
    Given,
    Transcript,
    TranscriptError,
    load_transcripts,
    parse_transcripts,
    transcript_paths,
)
from hotline.transcripts.runner import (
    PUBLIC_URL,
    Clock,
    TranscriptResult,
    isolated,
    run_directory,
    run_file,
    run_transcript,
    stop_embedded,
    transcript_config,
)

__all__ = [
    "DEFAULT_NUMBER", "PUBLIC_URL", "START_TIME", "Clock", "Exchange", "Given", "Transcript",
    "TranscriptError", "TranscriptResult", "coverage", "isolated", "load_transcripts",
    "parse_transcripts", "run_directory", "run_file", "run_transcript", "stop_embedded",
    "transcript_config", "transcript_paths", "uncovered",
]
