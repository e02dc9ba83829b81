"""Every Redis key and RQ job id the hotline uses, named here once (as rq keeps its own in
rq/keys.py).

Keys live under KEY_PREFIX (HOTLINE_KEY_PREFIX, "hotline:" by default); no other module
knows the prefix or a key's shape: it asks `of(config)` (or, where a module is handed the
prefix as a string, `keys_under(prefix)`). Lua scripts get every key through KEYS: a full name
when the key is known before the script runs, else the *stem* of its family (for example
`hotline:cb:req:`), to which the script appends an id it has just read (the hotline runs on
one Redis server, not a cluster).

RQ job ids use letters, digits, `_` and `-` only (RQ refuses `:` in an id: `sms-SM…`, not `sms:SM…`).
"""

from __future__ import annotations

import functools
import re

from hotline.config import Settings

DEFAULT_PREFIX = "hotline:"
DAY = 86400


def prefix(config: Settings) -> str:
    """The prefix every key of this configuration starts with."""
    return str(config.key_prefix or DEFAULT_PREFIX)


def nested(config: Settings, name: str) -> str:
    """A prefix inside this configuration's own (a transcript's or a simulation's keys)."""
    return f"{prefix(config)}{name}:"


def everything(config: Settings) -> str:
    """The SCAN pattern matching every key of this configuration."""
    return f"{prefix(config)}*"


class CallbackKeys:
    """The callback queue (hotline.callbacks): requests, queues, leases, counts."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.base = f"{prefix}cb:"
        self.req_stem = self.base + "req:"  # + request id: the request's hash
        self.number_stem = self.base + "num:"  # + request id: the Fernet-sealed number
        self.queue_stem = self.base + "q:"  # + language: waiting ids by score
        self.mine_stem = self.base + "mine:"  # + volunteer id: ids they took
        self.leases = self.base + "leases"
        self.index = self.base + "index"
        self.waits = self.base + "waits"
        self.stats = self.base + "stats"
        self.seq = self.base + "seq"

    def req(self, rid: str) -> str:
        return self.req_stem + rid

    def number(self, rid: str) -> str:
        return self.number_stem + rid

    def queue(self, language: str) -> str:
        return self.queue_stem + language

    def mine(self, volunteer: str) -> str:
        return self.mine_stem + volunteer

    def open(self, caller: str) -> str:
        """The caller's open request id (by the caller's HMAC)."""
        return f"{self.base}open:{caller}"

    def idem(self, idem: str) -> str:
        """An idempotency key's request id (a retried CallSid asks once)."""
        return f"{self.base}idem:{idem}"

    def missed(self, caller: str) -> str:
        """Set while a missed call of the caller (HMAC) counts as asked already."""
        return f"{self.base}missed:{caller}"

    def missing(self, rid: str) -> str:
        """When a sweep first saw the request held past its time (its job maybe lost)."""
        return f"{self.base}missing:{rid}"

    def pressed(self, call_sid: str) -> str:
        """Set when the caller pressed or spoke in this call (not a missed call)."""
        return f"{self.base}pressed:{call_sid[:64]}"

    def recording(self, rid: str) -> str:
        """A request's voice message: the sealed RecordingSid (and transcription), kept
        until Twilio confirms the recording is deleted."""
        return f"{self.base}rec:{rid}"

    @property
    def recordings(self) -> str:
        """Request ids with a voice message not yet deleted at Twilio, by time recorded."""
        return f"{self.base}recs"

    def history(self, caller: str) -> str:
        """The caller's (HMAC) earlier requests and cases: sealed entries by time."""
        return f"{self.base}hist:{caller}"

    @property
    def dispositions(self) -> str:
        """The outcome codes staff set (code -> label), picked when a request closes."""
        return f"{self.base}dispositions"


class UrgentKeys:
    """Urgent cases (hotline.urgent)."""

    def __init__(self, prefix: str):
        self.prefix = f"{prefix}urgent:"
        self.case_stem = self.prefix + "case:"  # + code: the case's hash
        self.number_stem = self.prefix + "num:"  # + code: the Fernet-sealed number
        self.index = self.prefix + "cases"
        self.sids = self.prefix + "sid:*"  # SCAN pattern of the MessageSid/CallSid keys

    def case(self, code: str) -> str:
        return self.case_stem + code

    def number(self, code: str) -> str:
        return self.number_stem + code

    def timeline(self, code: str) -> str:
        return f"{self.prefix}log:{code}"

    def paged(self, code: str) -> str:
        return f"{self.prefix}paged:{code}"  # volunteer ids paged for this case

    def held(self, code: str) -> str:
        return f"{self.prefix}held:{code}"  # caller texts sent before anyone acknowledged

    def once(self, code: str, what: str) -> str:
        return f"{self.prefix}once:{code}:{what}"  # SET NX: a step done once per case

    def sid(self, sid: str) -> str:
        return f"{self.prefix}sid:{sid}"

    def caller(self, caller: str) -> str:
        return f"{self.prefix}open:{caller}"


class DirectoryKeys:
    """The directory of clinics and shelters (hotline.directory)."""

    def __init__(self, prefix: str):
        self.base = f"{prefix}dir:"
        self.current = self.base + "current"
        self.rev = self.base + "rev"
        self.pending_sms = self.base + "sms:*"  # SCAN pattern of directory SMS not yet sent

    def generation(self, gen: str) -> str:
        return f"{self.base}gen:{gen}"

    def sync(self, url_key: str) -> str:
        """Hash: the schedule of a repeating HSDS sync (url, every, chain, last outcome)."""
        return f"{self.base}sync:{url_key}"

    def sms(self, sms_id: str) -> str:
        """A directory SMS waiting to go (its number sealed)."""
        return f"{self.base}sms:{sms_id}"

    @staticmethod
    def sms_id(key: str) -> str:
        """The id of a directory SMS from its key."""
        return key.rsplit(":", 1)[-1]


class ProgrammeKeys:
    """Programmes callers can join (hotline.programmes): staff data and sign-ups."""

    def __init__(self, prefix: str):
        self.base = f"{prefix}prog:"
        self.all = self.base + "all"  # programme id -> its JSON (staff data)
        self.signup_stem = self.base + "su:"  # + sign-up id: its hash (number sealed)
        self.signups = self.base + "su:*"  # SCAN pattern of every sign-up

    def signup(self, signup_id: str) -> str:
        return self.signup_stem + signup_id

    def seats(self, programme: str, session: str) -> str:
        """Sign-up ids holding a seat in one session."""
        return f"{self.base}seats:{programme}:{session}"

    def waiting(self, programme: str, session: str) -> str:
        """Sign-up ids on one session's waiting list, in order."""
        return f"{self.base}wait:{programme}:{session}"

    def mine(self, caller: str) -> str:
        """A caller's sign-up ids (by the caller's HMAC)."""
        return f"{self.base}mine:{caller}"

    def checkin(self, checkin_id: str) -> str:
        """A caller's regular check-in calls: how often, when, the number sealed."""
        return f"{self.base}ci:{checkin_id}"

    def checkin_of(self, caller: str) -> str:
        """The caller's check-in id (by the caller's HMAC)."""
        return f"{self.base}cimine:{caller}"

    def counts(self, programme: str) -> str:
        """A programme's totals: sign-ups, waiting, cancelled, attended, missed (counts only)."""
        return f"{self.base}counts:{programme}"


class Keys:
    """Every key under one prefix."""

    def __init__(self, prefix: str = DEFAULT_PREFIX):
        self.prefix = prefix
        self.callbacks = CallbackKeys(prefix)
        self.urgent = UrgentKeys(prefix)
        self.directory = DirectoryKeys(prefix)
        self.programmes = ProgrammeKeys(prefix)
        self.optout = f"{prefix}optout"  # HMACs of numbers that sent STOP
        self.metrics = f"{prefix}metrics"  # running totals for Prometheus
        # writes a caller was told about that no replica confirmed in time (redisdb)
        self.unconfirmed = f"{prefix}unconfirmed"
        self.replication_mark = f"{prefix}replication-mark"  # written just before a WAIT
        self.rota = f"{prefix}rota"
        self.rota_overrides = f"{prefix}rota:overrides"  # who covers whom, by end time
        self.scripts_counter = f"{prefix}scripts:counter"
        self.scripts_versions = f"{prefix}scripts:versions"
        self.scripts_current = f"{prefix}scripts:current"

    def rota_sent(self, what: str) -> str:
        """A reminder or gap warning sent once (SET NX with a TTL)."""
        return f"{self.prefix}rota:sent:{what}"

    # conversation
    def session(self, caller: str) -> str:
        """A caller's session (by the caller's HMAC)."""
        return f"{self.prefix}session:{caller}"

    def rate(self, channel: str, caller: str, window: int) -> str:
        """A caller's count of texts or calls in one minute."""
        return f"{self.prefix}rate:{channel}:{caller}:{window}"

    def rates_of(self, caller: str) -> str:
        """SCAN pattern of every rate counter of a caller (every channel and minute)."""
        return f"{self.prefix}rate:*:{caller}:*"

    def sms_seen(self, message_sid: str) -> str:
        """Set once a MessageSid was counted (a retried text is not counted twice)."""
        return f"{self.prefix}seen:sms:{message_sid[:64]}"

    def volunteer_command(self, message_sid: str) -> str:
        """Set once a volunteer's SMS command was run (Twilio retries it)."""
        return f"{self.prefix}vcmd:{message_sid[:64]}"

    # the replay guard (hotline.replay)
    def replay_answer(self, digest: str) -> str:
        return f"{self.prefix}replay:{digest}"

    def replay_index(self, caller: str) -> str:
        return f"{self.prefix}replay:of:{caller}"

    # figures
    def stats_day(self, day: str) -> str:
        """One day's counts ('2026-11-25'); + ':' + series for its wait samples."""
        return f"{self.prefix}stats:{day}"

    # people
    def volunteer(self, rest: str) -> str:
        """A volunteer's hash (`v12`), or one of the indexes: seq, ids, phones, names."""
        return f"{self.prefix}vol:{rest}"

    def user(self, rest: str) -> str:
        """A web account (`acct:<name>`), or the accounts' index."""
        return f"{self.prefix}user:{rest}"

    @property
    def access_log(self) -> str:
        """The access log (hotline.people.access_log): entries scored by time."""
        return f"{self.prefix}access"

    def access_seen(self, who_and_case: str) -> str:
        """Set while a person's opening of a case's words is logged already."""
        return f"{self.prefix}access:seen:{who_and_case}"

    def login_account(self, account: str) -> str:
        return f"{self.prefix}login:acct:{account}"

    def login_address(self, address_hash: str) -> str:
        return f"{self.prefix}login:addr:{address_hash}"

    # scripts
    def script_draft(self, user_digest: str) -> str:
        return f"{self.prefix}scripts:draft:{user_digest}"

    def script_tests(self, run_id: str) -> str:
        return f"{self.prefix}scripts:tests:{run_id}"

    # workers
    def effect(self, what: str) -> str:
        """Claimed once a job's outside effect (an SMS, a call) was made."""
        return f"{self.prefix}effect:{what}"

    def recovered(self, job_id: str, execution_id: str) -> str:
        """Claimed once a dead worker's job execution was requeued."""
        return f"{self.prefix}recovered:{job_id}:{execution_id}"

    def sweep(self, what: str) -> str:
        """Claimed (with a TTL) by the worker that runs one sweep for lost timed jobs."""
        return f"{self.prefix}sweep:{what}"


def of(config: Settings) -> Keys:
    """The keys of this configuration."""
    return keys_under(prefix(config))


@functools.lru_cache(maxsize=64)
def keys_under(prefix: str) -> Keys:
    """The keys under a prefix given as a string (one object per prefix serves everyone:
    it holds plain names only)."""
    return Keys(prefix)


# --- what must expire, and what may live long ------------------------------------------

# A sign-up (its sealed number, its seat) is kept until its programme's last session plus
# PROGRAMME_MARGIN_DAYS, and never longer than PROGRAMME_KEEP_MAX (a year).
PROGRAMME_MARGIN_DAYS = 7
PROGRAMME_KEEP_MAX = 365 * DAY
# Regular check-in calls (and the sealed number) stop by themselves after 12 weeks.
CHECKIN_KEEP = 84 * DAY

# Caller keys (under the prefix) that must always expire, and the TTL given to one found
# without (a bug or a crash between two commands): the longest TTL that key kind has.
MUST_EXPIRE = {
    "session:*": 1800, "cb:num:*": 7 * DAY, "cb:open:*": 7 * DAY, "cb:missed:*": 3600,
    "cb:idem:*": DAY, "cb:req:*": 8 * DAY, "cb:hist:*": 30 * DAY, "urgent:num:*": 2 * DAY, "urgent:held:*": 2 * DAY,
    "urgent:open:*": 30 * DAY, "urgent:sid:*": DAY, "urgent:case:*": 30 * DAY,
    "urgent:log:*": 30 * DAY, "urgent:paged:*": 30 * DAY, "urgent:once:*": 30 * DAY,
    "dir:sms:*": 3600, "prog:su:*": PROGRAMME_KEEP_MAX, "prog:seats:*": PROGRAMME_KEEP_MAX,
    "prog:wait:*": PROGRAMME_KEEP_MAX, "prog:mine:*": PROGRAMME_KEEP_MAX,
    "prog:ci:*": CHECKIN_KEEP, "prog:cimine:*": CHECKIN_KEEP, "rate:*": 120, "seen:sms:*": 3600, "replay:*": 900,
}

# Every key expires by itself, but these: what staff keep (people, rota, directory,
# scripts), counts, and indexes of ids that are pruned as their records expire. None
# holds a caller's number or words; the opt-out set holds HMACs only. A key that is not
# here and has no TTL is a bug (tests/privacy/test_privacy_scan.py walks every key after a full
# mix of conversations). Patterns are under the prefix unless they start with "rq:".
LONG_LIVED: tuple[tuple[str, str], ...] = (
    ("vol:*", "the volunteers (ids, names, their own numbers, languages), kept by staff"),
    ("user:*", "web accounts (name, role, scrypt hash), kept by staff"),
    ("rota", "the on-call rota, imported by staff"),
    ("rota:overrides", "who covers whose shift, set by staff; dropped once over"),
    ("dir:current", "which generation of the directory is live"),
    ("dir:rev", "the directory's revision counter"),
    ("prog:all", "the programmes (names, sessions, seats), kept by staff"),
    ("prog:counts:*", "a programme's sign-up, attendance and drop-out totals (counts only)"),
    ("dir:gen:*", "the directory of clinics and shelters (one generation, replaced whole)"),
    ("scripts:counter", "the last published script version number"),
    ("scripts:versions", "the published menu scripts, for history and rollback"),
    ("scripts:current", "the script version live now"),
    ("optout", "HMACs of numbers that sent STOP, until START: a STOP is never forgotten"),
    ("metrics", "running totals for Prometheus (counts only)"),
    ("cb:seq", "the last callback request id (ids are never reused)"),
    ("cb:dispositions", "the outcome codes staff set for closing a request"),
    ("cb:recs", "request ids whose voice message is still to be deleted at Twilio"),
    ("cb:rec:*", "a voice message's sealed RecordingSid, until Twilio confirms its deletion"),
    ("cb:stats", "callback totals (counts only)"),
    ("cb:waits", "the last 100 waits in seconds, for 'usually within N hours'"),
    ("cb:index", "request ids by time; an id goes when its request expires"),
    ("cb:q:*", "waiting request ids per language (the request itself expires)"),
    ("cb:leases", "taken request ids and when their lease ends"),
    ("urgent:cases", "case codes by time; a code goes when its case expires"),
    ("rq:queues", "RQ: the names of the queues"),
    ("rq:queue:*", "RQ: the ids of queued jobs"),
    ("rq:job:*", "RQ: a job still queued or scheduled; it gets its result TTL when it ends"),
    ("rq:scheduled:*", "RQ: scheduled job ids by time"),
    ("rq:finished:*", "RQ: job ids whose results RQ keeps, pruned as they expire"),
    ("rq:failed:*", "RQ: failed job ids, pruned as they expire"),
    ("rq:started:*", "RQ: running job ids"),
    ("rq:deferred:*", "RQ: job ids waiting on another job"),
    ("rq:canceled:*", "RQ: canceled job ids, pruned as they expire"),
    ("rq:workers", "RQ: live workers (each worker's record expires)"),
    ("rq:workers:*", "RQ: live workers per queue"),
)


def must_expire(config: Settings) -> list[tuple[str, int]]:
    """(full pattern, TTL) of every caller key kind that must expire."""
    return [(prefix(config) + pattern, ttl) for pattern, ttl in MUST_EXPIRE.items()]


def long_lived(config: Settings) -> list[tuple[str, str]]:
    """(full pattern, reason) of every key that may live without a TTL."""
    return [(pattern if pattern.startswith("rq:") else prefix(config) + pattern, reason)
            for pattern, reason in LONG_LIVED]


# --- RQ job ids --------------------------------------------------------------------------

_NOT_IN_JOB_ID = re.compile(r"[^A-Za-z0-9_-]")


def _job(*parts: object) -> str:
    """A job id from its parts, joined by '-' (any other character becomes '_')."""
    return _NOT_IN_JOB_ID.sub("_", "-".join(str(part) for part in parts))


def call_job(request_id: str, taken: float) -> str:
    """Ring the volunteer who took a request (one per take)."""
    return _job("call", request_id, int(taken * 1000))


def requeue_job(request_id: str, attempt: int | str) -> str:
    return _job("requeue", request_id, attempt)


def autoclose_job(request_id: str) -> str:
    return _job("autoclose", request_id)


def tried_job(request_id: str) -> str:
    return _job("tried", request_id)


def recording_delete_job(request_id: str) -> str:
    """Delete a request's voice message at Twilio (one job per message; retried)."""
    return _job("recdel", request_id)


def callback_jobs(request_id: str) -> tuple[list[str], list[str]]:
    """(id prefixes, exact ids) of every job about one callback request."""
    return ([_job("call", request_id) + "-", _job("requeue", request_id) + "-"],
            [autoclose_job(request_id), tried_job(request_id)])


PURGE_JOB = "purge-"


def purge_job(slot: int) -> str:
    """The retention purge of one time slot (one job per slot)."""
    return _job("purge", slot)


def purge_slot(job_id: str) -> int | None:
    """The slot a purge job id names, or None when it is no purge job's id."""
    rest = job_id[len(PURGE_JOB):] if job_id.startswith(PURGE_JOB) else ""
    return int(rest) if rest.isdigit() else None


def directory_sync_job(url_key: str, chain: str, run: int) -> str:
    """One run of a repeating HSDS sync (the URL's key, the schedule's chain, the run)."""
    return _job("dirsync", url_key, chain, run)


def shift_dropped_job(volunteer: str, start: float) -> str:
    """Staff told, and the shift offered, when a volunteer cannot do it (once a shift)."""
    return _job("dropped", volunteer, int(start))


def rota_watch_job(slot: int) -> str:
    """The rota watch (shift reminders, gap warnings) of one time slot."""
    return _job("rotawatch", slot)


def urgent_step_job(code: str, step: int) -> str:
    return _job("urgent", code, step)


def urgent_all_job(code: str) -> str:
    return _job("urgent", code, "all")


def urgent_sms_job(code: str, what: str, volunteer: str) -> str:
    return _job("urgent", code, what, volunteer)


def urgent_jobs(code: str) -> str:
    """The id prefix of every job about one urgent case."""
    return _job("urgent", code) + "-"


def script_tests_job(run_id: str) -> str:
    return _job("script-tests", run_id)


def directory_sms_job(sms_id: str) -> str:
    return _job("dirsms", sms_id)


def reminder_job(signup_id: str, session: str, hours: int) -> str:
    """The reminder of one sign-up, `hours` before its session."""
    return _job("progrem", signup_id, session, hours)


def reminder_jobs(signup_id: str, session: str) -> str:
    """The id prefix of every reminder of one sign-up's session."""
    return _job("progrem", signup_id, session) + "-"


def programme_change_job(signup_id: str, session: str, digest: str) -> str:
    """The notice of one change (or cancellation) of a session to one sign-up."""
    return _job("progrem", signup_id, "chg", session, digest)


def missed_offer_job(signup_id: str) -> str:
    """The one offer (the next session, or a call) to a sign-up marked as missed."""
    return _job("progrem", signup_id, "missed")


def checkin_job(checkin_id: str, call: int) -> str:
    """The `call`-th check-in call of a caller, put in the callback queue when due."""
    return _job("checkin", checkin_id, call)


def checkin_jobs(checkin_id: str) -> str:
    return _job("checkin", checkin_id) + "-"


def programme_jobs(signup_id: str) -> str:
    """The id prefix of every job about one sign-up."""
    return _job("progrem", signup_id) + "-"
