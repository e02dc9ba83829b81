"""The callback queue's part of erasure and retention (hotline.privacy.domain.Keeper)."""

from __future__ import annotations

import redis

from hotline import keys as hotline_keys
from hotline import stats
from hotline.callbacks import history, voicemail
from hotline.callbacks import queue as callbacks
from hotline.config import Settings
from hotline.privacy.domain import Caller, Erased

# Fields of a closed callback request that say something about the caller or the call.
REQUEST_CALLER_FIELDS = ("caller", "masked", "note", "country", "tz", "idem", "volunteer")


def erase_caller(conn: redis.Redis, config: Settings, caller: Caller,
                 now: float) -> Erased:
    """Delete every callback request of the caller, with its number, place and jobs."""
    hashes = caller.hashes
    done = Erased()
    k = callbacks.keys(config)
    rids = [rid.decode() for rid in conn.zrange(k.index, 0, -1)]  # type: ignore[union-attr]
    pipe = conn.pipeline()
    for rid in rids:
        pipe.hget(k.req(rid), "caller")
    mine = {rid for rid, who in zip(rids, pipe.execute()) if who and who.decode() in hashes}
    for h in hashes:
        held = conn.get(k.open(h))
        if held:
            mine.add(held.decode())  # type: ignore[union-attr]
    opened = 0
    for rid in sorted(mine):
        req = callbacks.get(conn, config, rid)
        pipe = conn.pipeline()
        if req is not None:
            pipe.zrem(k.queue(req.language), rid)
            if req.idem:
                pipe.delete(k.idem(req.idem))
            opened += req.status in callbacks.OPEN
        pipe.zrem(k.leases, rid)
        pipe.zrem(k.index, rid)
        pipe.delete(k.req(rid), k.number(rid))
        pipe.execute()
        prefixes, ids = hotline_keys.callback_jobs(rid)
        done.job_prefixes += prefixes
        done.job_ids += ids
    # Voice messages are deleted at Twilio (a job that retries; the sealed sids stay until
    # Twilio confirms), and the caller's history goes with the requests.
    voicemail.erase(conn, config, mine)
    history.erase(conn, config, list(hashes))
    conn.delete(*[k.open(h) for h in hashes], *[k.missed(h) for h in hashes])
    if opened:
        stats.count(conn, config, now, {"callback_closed:erased": opened})
    done.counts["callbacks"] = len(mine)
    return done


def purge(conn: redis.Redis, config: Settings, now: float,
          cutoff: float) -> dict[str, int]:
    """Close requests whose number expired; strip closed ones past the cutoff."""
    done = {"callbacks_expired": 0, "callbacks_stripped": 0}
    after = callbacks.all_requests(conn, config, now)  # closes lapsed ones as expired, now
    done["callbacks_expired"] = sum(1 for r in after if r.status == callbacks.Status.EXPIRED
                                    and r.closed == now)
    k = callbacks.keys(config)
    for req in after:
        if req.status in callbacks.OPEN or not req.closed or req.closed >= cutoff:
            continue
        if conn.hdel(k.req(req.id), *REQUEST_CALLER_FIELDS):
            done["callbacks_stripped"] += 1
    voicemail.purge(conn, config, cutoff)  # recorded before the retention limit: deleted
    return done
