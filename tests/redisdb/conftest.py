"""The failover tests share a real primary + replica + 3 sentinels (tests/redis_ha.py)."""

from tests.redis_ha import cluster  # noqa: F401  (a fixture)
