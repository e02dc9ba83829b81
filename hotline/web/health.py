"""GET /healthz: 200 when Redis answers a PING, 503 otherwise."""

from __future__ import annotations

import logging

from flask import Blueprint

from hotline.web import runtime

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Report whether the app can reach Redis."""
    try:
        runtime().redis.ping()
    except Exception as exc:  # noqa: BLE001  any failure to reach Redis means unhealthy, not a 500
        log.warning("health: redis unreachable (%s)", type(exc).__name__)
        return {"redis": "down"}, 503
    return {"redis": "ok"}, 200
