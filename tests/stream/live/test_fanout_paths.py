"""Every path a frame can take to a client keeps its order: Engine.IO's own packets, per-client sends,
broadcasts (chunked or not), clients mid-upgrade or joining mid-broadcast; pings come from the ping wheel and
a client that stops answering them is closed. Real python-socketio clients against a real server, no mocks.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import aiohttp
import socketio
from aiohttp import web

from stream.live.feed import LiveFeed
from stream.live.hub import LiveHub
from stream.live.model import FormationKey
from stream.live.routes import setup_live
from stream.live.settings import LiveSettings
from stream.live.sio import LiveSocketServer
from stream.live.store import MemoryStore
from tests.stream.live.helpers import FID, SESSION, Viewer, info, seat, serve, until


def exam_app(**settings: Any) -> tuple[web.Application, Any]:
    app = web.Application()
    live = setup_live(app, LiveSettings(coalesce_ms=settings.pop("coalesce_ms", 0), **settings))
    return app, live


async def pump(live: Any, stop: asyncio.Event, rows: int = 3) -> None:
    """Change a seat and flush, every turn of the loop, until told to stop: deltas back to back."""
    step = 0
    while not stop.is_set():
        step += 1
        await live.feed.seat_changed(SESSION, seat(step % rows, answered=(step // rows) % 41))
        await live.feed.flush()
        await asyncio.sleep(0)


def in_order(viewer: Viewer) -> bool:
    """After its (first) snapshot the viewer saw consecutive deltas only, never a gap."""
    seqs: list[int] = []
    for event, data in viewer.events:
        if event == "snapshot":
            seqs = [data["seq"]]
        elif event == "delta" and seqs:
            seqs.append(data["seq"])
    return viewer.gaps == 0 and seqs == list(range(seqs[0], seqs[0] + len(seqs)))


async def test_engineio_packets_and_broadcasts_reach_a_client_in_call_order() -> None:
    """A packet sent through python-socketio's own emit (Engine.IO's per-socket path) and a broadcast sent
    right after it arrive in that order, however many loop turns lie between them. (Before: the first went
    through Engine.IO's queue and writer task, and a broadcast written while the writer held it overtook it.)
    """
    srv = LiveSocketServer()
    srv.namespace("/t")
    app = web.Application()
    srv.attach(app)
    async with serve(app) as url:
        client = socketio.AsyncClient(reconnection=False)
        got: list[int] = []
        client.on("e", lambda data: got.append(data["i"]), namespace="/t")
        await client.connect(url, namespaces=["/t"], transports=["websocket"], wait_timeout=10)
        sid = client.get_sid("/t")
        assert sid is not None
        for turns in range(8):
            # skip_sid takes python-socketio's own emit path instead of the encode-once one
            await srv._sio.emit("e", {"i": 2 * turns}, to=sid, namespace="/t", skip_sid="nobody")
            for _ in range(turns):
                await asyncio.sleep(0)
            await srv.broadcast("/t", sid, srv.encode("/t", "e", {"i": 2 * turns + 1}))
        await until(lambda: len(got) == 16)
        assert got == list(range(16))
        assert srv.stats.queued == 0  # an open websocket is always written directly
        await client.shutdown()


async def polling_then_upgrade(url: str, fid: str, deltas: int) -> list[tuple[str, Any]]:
    """A bare Engine.IO v4 client: join while long-polling (deltas go to Engine.IO's queue), then upgrade to
    a websocket while deltas keep coming (those queued mid-upgrade must come out before any later one)."""
    events: list[tuple[str, Any]] = []

    def take(packets: list[str]) -> None:
        for p in packets:
            if p.startswith("42/live,"):
                event, data = json.loads(p.removeprefix("42/live,"))
                events.append((event, data))

    async with aiohttp.ClientSession() as http:
        opened = await (await http.get(f"{url}/socket.io/?EIO=4&transport=polling")).text()
        sid = json.loads(opened[1:])["sid"]
        poll = f"{url}/socket.io/?EIO=4&transport=polling&sid={sid}"
        await http.post(poll, data="40/live,")
        assert (await (await http.get(poll)).text()).startswith("40/live,")
        await http.post(poll, data=json.dumps(["join", {"f": fid}]).join(["42/live,", ""]))
        while sum(e == "delta" for e, _ in events) < 3:
            take((await (await http.get(poll)).text()).split("\x1e"))
        ws = await http.ws_connect(url.replace("http://", "ws://") + f"/socket.io/?EIO=4&transport=websocket&sid={sid}")
        await ws.send_str("2probe")
        assert await ws.receive_str() == "3probe"
        take((await (await http.get(poll)).text()).split("\x1e"))  # the last poll: what was queued, then noop
        await ws.send_str("5")
        while sum(e == "delta" for e, _ in events) < deltas:
            text = await ws.receive_str()
            if text == "2":
                await ws.send_str("3")
            take([text])
        await ws.close()
    return events


async def test_a_client_upgrading_from_polling_while_deltas_flow_gets_every_delta_in_order() -> None:
    app, live = exam_app()
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(n) for n in range(3)])
        await live.feed.flush()
        stop = asyncio.Event()
        task = asyncio.ensure_future(pump(live, stop))
        try:
            runs = [await polling_then_upgrade(url, FID, deltas=60) for _ in range(5)]
        finally:
            stop.set()
            await task
        for events in runs:
            assert events[0][0] == "clock" and events[1][0] == "snapshot"
            seqs = [d["seq"] for _, d in events[1:]]
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        assert live.sio.stats.queued > 0 and live.sio.stats.direct > 0  # both paths were taken


async def test_clients_joining_and_switching_during_chunked_broadcasts_stay_in_order() -> None:
    """chunk=1: every broadcast yields to the loop between recipients, so joins, leaves and the next delta
    all happen while one is half written; each client still sees its formation's deltas in order."""
    app, live = exam_app()
    live.sio.chunk = 1
    other = seat(9, village="Kedungadem")
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(n) for n in range(3)] + [other])
        await live.feed.flush()
        stop = asyncio.Event()
        task = asyncio.ensure_future(pump(live, stop))
        viewers = []
        for _ in range(6):
            viewers.append(await Viewer().connect(url))
            await asyncio.sleep(0)
        leaver = viewers[0]
        other_fid = FormationKey(SESSION, other.village, other.position).id
        await leaver.client.emit("join", {"f": other_fid}, namespace="/live")
        await until(lambda: leaver.named("snapshot")[-1]["f"]["id"] == other_fid)
        switched_at = len(leaver.events)
        target = live.hub._replicas[FID].seq + 20
        await until(lambda: all(v.seq >= target for v in viewers[1:]))
        stop.set()
        await task
        final = live.hub._replicas[FID].seq
        await until(lambda: all(v.seq == final for v in viewers[1:]))
        assert all(in_order(v) for v in viewers[1:])
        assert all(d["f"] == other_fid for e, d in leaver.events[switched_at:] if e == "delta")
        for v in viewers:
            await v.close()


async def test_a_replica_is_not_reloaded_while_its_delta_is_on_the_way() -> None:
    """The store is written before the delta is published, so a check can find the store one ahead. The
    edge must wait for the delta (not broadcast a snapshot and then drop the delta); if the delta never
    comes, the next check reloads."""
    updates: list[Any] = []

    class Capture:
        async def deliver(self, update: Any) -> None:
            updates.append(update)

        async def index(self, index: bytes) -> None:
            return None

        async def close(self) -> None:
            return None

    feed = LiveFeed(sinks=[Capture()], coalesce_ms=0)
    await feed.replace_all(info(), [seat(1)])
    await feed.flush()
    for answered in (1, 2):
        await feed.seat_changed(SESSION, seat(1, answered=answered))
        await feed.flush()
    first, in_flight, lost = updates[-3:]
    store = MemoryStore()
    await store.put(first.fid, first.snapshot, first.version)
    sio = LiveSocketServer()
    hub = LiveHub(sio, store)
    app = web.Application()
    sio.attach(app)
    async with serve(app) as url:
        viewer = await Viewer().connect(url)
        await store.put(in_flight.fid, in_flight.snapshot, in_flight.version)  # published, not yet arrived
        await hub.revalidate()
        await hub.on_delta(in_flight.delta)  # ... and here it is
        await until(lambda: viewer.seq == in_flight.delta["seq"])
        assert len(viewer.named("snapshot")) == 1
        assert [d["seq"] for d in viewer.named("delta")] == [in_flight.delta["seq"]]
        await store.put(lost.fid, lost.snapshot, lost.version)  # this one is never published
        await hub.revalidate()
        await hub.revalidate()
        await until(lambda: len(viewer.named("snapshot")) == 2)
        assert viewer.seq == lost.delta["seq"]
        assert viewer.by_number("P-001")["answered"] == 2
        await viewer.close()
    await feed.close()


async def test_pings_keep_clients_and_a_client_that_stops_answering_is_closed() -> None:
    app, live = exam_app(ping_interval_s=0.2, ping_timeout_s=0.3)
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(1)])
        await live.feed.flush()
        host, port = url.removeprefix("http://").split(":")
        mute = socket.create_connection((host, int(port)))  # opens a websocket, then never answers
        mute.sendall(
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        healthy = await Viewer().connect(url)
        await until(lambda: live.sio.connected == 2)
        await until(lambda: live.sio.stats.timeouts == 1)
        await until(lambda: live.sio.connected == 1)
        pings = live.sio.stats.pings
        await until(lambda: live.sio.stats.pings >= pings + 3)  # the healthy one keeps being pinged ...
        assert healthy.client.connected  # ... and answering
        assert live.sio.stats.timeouts == 1
        await live.feed.seat_changed(SESSION, seat(1, answered=5))
        await live.feed.flush()
        await until(lambda: healthy.seq == 2)
        mute.close()
        await healthy.close()
