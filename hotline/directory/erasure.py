"""The directory's part of erasure (hotline.privacy.domain.Keeper): directory SMS still
waiting to go to the caller. They expire within the hour, so purge has nothing to do."""

from __future__ import annotations

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.keys import DirectoryKeys
from hotline.privacy.domain import Caller, Erased
from hotline.privacy.vault import vault_for


def erase_caller(conn: redis.Redis, config: Settings, caller: Caller,
                 now: float) -> Erased:
    """Delete directory SMS still waiting to go to the caller, and their jobs."""
    keys = hotline_keys.of(config).directory
    vault = vault_for(config.encryption_key or "")
    done = Erased()
    erased = 0
    for key in conn.scan_iter(match=keys.pending_sms, count=500):
        token = conn.hget(key, "to")
        if token and vault.decrypt(token) == caller.number:
            conn.delete(key)
            done.job_ids.append(hotline_keys.directory_sms_job(DirectoryKeys.sms_id(key.decode())))
            erased += 1
    done.counts["directory_sms"] = erased
    return done


def purge(conn: redis.Redis, config: Settings, now: float,
          cutoff: float) -> dict[str, int]:
    """Nothing: a directory SMS expires within the hour (the TTL walk enforces it)."""
    return {}
