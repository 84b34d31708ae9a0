"""Where late joiners get snapshots: in memory for one process, in Redis for every edge to read."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from redis import asyncio as aioredis

log = logging.getLogger(__name__)


class SnapshotStore(Protocol):
    """Snapshots are opaque JSON bytes with a version ``"<epoch>.<seq>"``; the index lists sessions."""

    async def put(self, fid: str, snapshot: bytes, version: str) -> None: ...
    async def put_index(self, index: bytes) -> None: ...
    async def get(self, fid: str) -> bytes | None: ...
    async def versions(self, fids: Sequence[str]) -> list[str | None]: ...
    async def get_index(self) -> bytes | None: ...
    async def close(self) -> None: ...


class MemoryStore:
    """One process: the feed writes, the hub in the same process reads."""

    def __init__(self) -> None:
        self._snaps: dict[str, tuple[bytes, str]] = {}
        self._index: bytes | None = None

    async def put(self, fid: str, snapshot: bytes, version: str) -> None:
        self._snaps[fid] = (snapshot, version)

    async def put_index(self, index: bytes) -> None:
        self._index = index

    async def get(self, fid: str) -> bytes | None:
        hit = self._snaps.get(fid)
        return hit[0] if hit else None

    async def versions(self, fids: Sequence[str]) -> list[str | None]:
        return [self._snaps[f][1] if f in self._snaps else None for f in fids]

    async def get_index(self) -> bytes | None:
        return self._index

    async def close(self) -> None:
        return None


class RedisStore:
    """Redis keys ``<prefix>snap:<fid>``, ``<prefix>ver:<fid>`` and ``<prefix>index``; errors propagate
    (the feed and the hub decide what a failure means for them)."""

    def __init__(self, url: str, *, prefix: str = "ujian:live:", timeout_s: float = 1.0) -> None:
        self.prefix = prefix
        self._redis = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
            retry_on_timeout=False,
        )

    def _snap(self, fid: str) -> str:
        return f"{self.prefix}snap:{fid}"

    def _ver(self, fid: str) -> str:
        return f"{self.prefix}ver:{fid}"

    async def put(self, fid: str, snapshot: bytes, version: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._snap(fid), snapshot)
            pipe.set(self._ver(fid), version)
            await pipe.execute()

    async def put_index(self, index: bytes) -> None:
        await self._redis.set(f"{self.prefix}index", index)

    async def get(self, fid: str) -> bytes | None:
        value = await self._redis.get(self._snap(fid))
        return value if isinstance(value, bytes) else None

    async def versions(self, fids: Sequence[str]) -> list[str | None]:
        if not fids:
            return []
        values = await self._redis.mget([self._ver(f) for f in fids])
        return [v.decode() if isinstance(v, bytes) else v for v in values]

    async def get_index(self) -> bytes | None:
        value = await self._redis.get(f"{self.prefix}index")
        return value if isinstance(value, bytes) else None

    async def close(self) -> None:
        await self._redis.aclose()
