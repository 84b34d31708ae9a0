"""Public edge: follow an upstream hub over its websocket and serve local viewers, without running ffmpeg."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

import aiohttp

from stream.video.fmp4 import Fmp4Error, Fragment, iter_boxes, parse_init, parse_moof
from stream.video.hub import HEADER, KIND_INIT, Hub

log = logging.getLogger(__name__)


def ws_url(upstream: str, camera: str) -> str:
    base = upstream.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    return f"{base}/video/ws/{camera}"


class Relay:
    """Discovers the upstream's cameras, then keeps one websocket per camera feeding a local hub."""

    def __init__(self, upstream: str, make_hub: Callable[[str, str], Hub], *, retry_max_s: float = 10.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.make_hub = make_hub
        self.retry_max_s = retry_max_s
        self.hubs: dict[str, Hub] = {}
        self.connected: dict[str, bool] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        self._tasks.append(asyncio.create_task(self._discover(), name="video-relay-discover"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("relay not started")
        return self._session

    async def _discover(self) -> None:
        delay = 0.5
        while True:
            try:
                async with self.session.get(f"{self.upstream}/video/cameras.json") as resp:
                    resp.raise_for_status()
                    cameras = (await resp.json())["cameras"]
                break
            except (aiohttp.ClientError, KeyError, ValueError, TimeoutError) as exc:
                log.warning("video relay: upstream %s not reachable (%s); retrying", self.upstream, exc)
                await asyncio.sleep(delay)
                delay = min(self.retry_max_s, delay * 2)
        for cam in cameras:
            hub = self.make_hub(cam["id"], cam["name"])
            self.hubs[cam["id"]] = hub
            self._tasks.append(asyncio.create_task(self._follow(hub), name=f"video-relay-{cam['id']}"))

    async def _follow(self, hub: Hub) -> None:
        delay = 0.5
        while True:
            try:
                async with self.session.ws_connect(
                    ws_url(self.upstream, hub.camera), heartbeat=30, max_msg_size=64 * 1024 * 1024
                ) as ws:
                    self.connected[hub.camera] = True
                    delay = 0.5
                    await self._consume(ws, hub)
            except (aiohttp.ClientError, TimeoutError, Fmp4Error, ValueError) as exc:
                log.warning("video relay %s: %s", hub.camera, exc)
            finally:
                self.connected[hub.camera] = False
                hub.stop_epoch()
            await asyncio.sleep(delay)
            delay = min(self.retry_max_s, delay * 2)

    async def _consume(self, ws: aiohttp.ClientWebSocketResponse, hub: Hub) -> None:
        epoch = 0
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                if data.get("type") == "hello":
                    epoch = int(data["epoch"])
                elif data.get("type") == "offline":
                    hub.stop_epoch()
            elif msg.type == aiohttp.WSMsgType.BINARY:
                kind, wall_ms, _media_us = HEADER.unpack_from(msg.data)
                payload = bytes(msg.data[HEADER.size :])
                if kind == KIND_INIT:
                    hub.start_epoch(epoch, parse_init(payload))
                else:
                    moof = next(b for b in iter_boxes(payload) if b.type == b"moof")
                    info = parse_moof(payload, moof)
                    hub.publish(
                        Fragment(payload, info.keyframe, info.decode_time, info.duration, info.samples, wall_ms)
                    )
