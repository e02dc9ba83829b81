"""A worker asked to stop (SIGTERM: `docker stop`, a deploy) stops, wherever it is."""

from __future__ import annotations

import os
import signal

import pytest
from rq.exceptions import StopRequested

from hotline.config import load_config
from hotline.jobs import QUEUES
from hotline.ops import worker as hotline_worker
from hotline.privacy.vault import new_key


@pytest.mark.parametrize("sweep", ["requeue_orphans", "sweep_lost_timed_jobs",
                                   "ensure_purge"])
def test_a_stop_asked_for_during_a_maintenance_sweep_is_not_swallowed(
        redis_conn, tmp_path, monkeypatch, sweep):
    # The sweeps each log their own failure and let the next run; RQ's SIGTERM handler
    # raises StopRequested from wherever the worker is. Taken for a failed sweep, it left
    # the worker waiting on its queues instead of stopping.
    config = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s",
                          "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path)}, environ={})
    worker = hotline_worker.HotlineWorker(list(QUEUES), connection=redis_conn,
                                          hotline_config=config)
    reached = []

    def stopped_here(*args, **kwargs):
        reached.append(sweep)
        os.kill(os.getpid(), signal.SIGTERM)  # RQ's handler runs at the next bytecode
        return False

    monkeypatch.setattr(hotline_worker, sweep, stopped_here)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker._install_signal_handlers()
    try:
        with pytest.raises(StopRequested):
            worker.run_maintenance_tasks()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert reached == [sweep]
