"""Venue video figures: capture-to-display latency (websocket/MSE and HLS), time to first frame, fan-out cost.

Run from the repository root:  python bench/video.py            (all parts, about 3 minutes)
                               python bench/video.py --only fanout --viewers 100,500,1000

The server runs in its own process (``--serve``) so its CPU time is the hub's alone: ffmpeg is a separate
process and the websocket clients run in this one. Latency is read by headless Debian Chromium decoding the
wall-clock barcode burned into each test-pattern frame, in requestVideoFrameCallback (web/static/video/measure.js).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).absolute().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("UJIAN_TEST_CHROMIUM", "/usr/bin/chromium")
TICK = os.sysconf("SC_CLK_TCK")


# --- the server process ------------------------------------------------------------------------------------
def serve(args: argparse.Namespace) -> None:
    import logging

    from aiohttp import web

    from stream.video.hub import ViewerLimits
    from stream.video.routes import standalone_app
    from stream.video.service import VideoSettings
    from stream.video.sources import Encoding, parse_sources

    logging.basicConfig(level=logging.WARNING)
    width, height = (int(x) for x in args.size.split("x"))
    enc = Encoding(
        width=width, height=height, fps=args.fps, bitrate_kbps=args.kbps, preset=args.preset, segment_s=args.segment_s
    )
    settings = VideoSettings(
        sources=parse_sources([{"name": "Lab 1", "kind": "testsrc"}], encoding=enc),
        archive_dir=Path(args.archive),
        limits=ViewerLimits(),
    )
    web.run_app(standalone_app(settings), host="127.0.0.1", port=args.port, print=None, access_log=None)


class Server:
    def __init__(self, args: argparse.Namespace, port: int, archive: str) -> None:
        self.argv = [
            sys.executable,
            str(Path(__file__).absolute()),
            "--serve",
            "--port",
            str(port),
            "--archive",
            archive,
            "--size",
            args.size,
            "--fps",
            str(args.fps),
            "--kbps",
            str(args.kbps),
            "--preset",
            args.preset,
            "--segment-s",
            str(args.segment_s),
        ]
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                stats = self.stats()
                if stats["hubs"] and stats["hubs"][0]["fragments"] > 0:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("video server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/video/stats.json", timeout=5) as resp:  # noqa: S310 (loopback)
            result: dict[str, Any] = json.load(resp)
            return result

    def cpu_s(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- browser parts -----------------------------------------------------------------------------------------
async def latency(server: Server, mode: str, seconds: float, fps: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"])
        page = await browser.new_page()
        await page.goto(f"{server.url}/video/watch?measure=1&mode={mode}")
        await page.wait_for_function(
            "() => window.ujianVideoStats && window.ujianVideoStats.decoded > 5", timeout=60_000
        )
        await asyncio.sleep(3)  # settle at the live edge
        start = await page.evaluate("""() => {
            const q = document.querySelector('video').getVideoPlaybackQuality();
            return {n: window.ujianVideoStats.samples.length, total: q.totalVideoFrames,
                    dropped: q.droppedVideoFrames}; }""")
        await asyncio.sleep(seconds)
        end = await page.evaluate("""() => { const q = document.querySelector('video').getVideoPlaybackQuality();
            const s = window.ujianVideoStats;
            return {samples: s.samples, codes: s.codes, bad: s.bad, total: q.totalVideoFrames,
                    dropped: q.droppedVideoFrames}; }""")
        await browser.close()
    samples = end["samples"][start["n"] :]
    codes = end["codes"][start["n"] :]
    span_ms = (codes[-1] - codes[0]) if len(codes) > 1 else 0
    expected = round(span_ms * fps / 1000) + 1 if codes else 0
    shown = len(set(codes))
    total = end["total"] - start["total"]
    dropped = end["dropped"] - start["dropped"]
    return {
        "n": len(samples),
        "p50": pct(samples, 0.5),
        "p90": pct(samples, 0.9),
        "p99": pct(samples, 0.99),
        "max": max(samples),
        "dropped_quality": dropped / total if total else 0.0,
        "missing_frames": 1 - shown / expected if expected else 0.0,
        "undecodable": end["bad"],
    }


async def first_frame(server: Server, tries: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    nav: list[float] = []
    player: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"])
        for _ in range(tries):
            page = await browser.new_page()
            await page.add_init_script("""
              window.__ff = null;
              document.addEventListener('DOMContentLoaded', () => {
                const v = document.querySelector('video');
                v.requestVideoFrameCallback(() => { window.__ff = performance.now(); });
              });""")
            await page.goto(f"{server.url}/video/watch")
            await page.wait_for_function("() => window.__ff !== null", timeout=30_000)
            nav.append(await page.evaluate("() => window.__ff"))
            player.append(
                await page.evaluate(
                    "() => document.querySelector('[data-video-player]').ujianPlayer.stats.firstFrameMs"
                )
            )
            await page.close()
            await asyncio.sleep(0.3)
        await browser.close()
    return {
        "n": tries,
        "nav_p50": statistics.median(nav),
        "nav_max": max(nav),
        "player_p50": statistics.median(player),
        "player_max": max(player),
    }


# --- fan-out ----------------------------------------------------------------------------------------------
class Counter(asyncio.Protocol):
    """A websocket viewer that reads and counts bytes, nothing more: the cheapest client we can run."""

    def __init__(self, totals: list[int], path: str) -> None:
        self.totals = totals
        self.path = path
        self.upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        self.totals[0] += len(data)
        if not self.upgraded and b" 101 " in data[:20]:
            self.upgraded = True
            self.totals[1] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.totals[2] += 1


async def fanout(server: Server, viewers: int, seconds: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    totals = [0, 0, 0]  # bytes, upgraded, lost
    transports = []
    for i in range(viewers):
        t, _ = await loop.create_connection(
            lambda: Counter(totals, "/video/ws/lab-1"), "127.0.0.1", int(server.url.rsplit(":", 1)[1])
        )
        transports.append(t)
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    for _ in range(200):  # up to 20 s for every upgrade to be answered
        if totals[1] >= viewers:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)
    hub0 = server.stats()["hubs"][0]
    cpu0, wall0, bytes0 = server.cpu_s(), time.monotonic(), totals[0]
    await asyncio.sleep(seconds)
    cpu1, wall1, bytes1 = server.cpu_s(), time.monotonic(), totals[0]
    hub1 = server.stats()["hubs"][0]
    lost = totals[2]
    for t in transports:
        t.close()
    await asyncio.sleep(1)
    wall = wall1 - wall0
    cpu = cpu1 - cpu0
    video_kbps = (hub1["bytes"] - hub0["bytes"]) * 8 / wall / 1000
    return {
        "viewers": viewers,
        "connected": totals[1],
        "lost": lost,
        "cpu_s": cpu,
        "wall_s": wall,
        "cores": cpu / wall,
        "video_kbps": video_kbps,
        "delivered_mbps": (bytes1 - bytes0) * 8 / wall / 1e6,
        "cpu_s_per_viewer_min": cpu / wall * 60 / viewers,
    }


async def idle_cpu(server: Server, seconds: float) -> float:
    cpu0, wall0 = server.cpu_s(), time.monotonic()
    await asyncio.sleep(seconds)
    return (server.cpu_s() - cpu0) / (time.monotonic() - wall0)


# --- main ---------------------------------------------------------------------------------------------------
async def run(args: argparse.Namespace) -> None:
    parts = set(args.only.split(","))
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    command = "python bench/video.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    print(f"# {command}")
    print(
        f"# {os.cpu_count()} cores; encode {args.size} @ {args.fps} fps, {args.kbps} kbit/s, x264 {args.preset}, "
        f"1 s GOP, HLS segments {args.segment_s} s; Chromium {CHROMIUM}"
    )
    with tempfile.TemporaryDirectory() as archive, Server(args, args.port, archive) as server:
        if "latency" in parts:
            r = await latency(server, "mse", args.seconds, args.fps)
            print(
                f"latency websocket/MSE: p50 {r['p50']:.0f} ms, p90 {r['p90']:.0f} ms, p99 {r['p99']:.0f} ms, "
                f"max {r['max']:.0f} ms over {r['n']} frames; dropped {r['dropped_quality']:.1%} "
                f"(playback quality), frames never shown {r['missing_frames']:.1%} (barcode gaps); "
                f"{r['undecodable']} undecodable"
            )
        if "hls" in parts:
            r = await latency(server, "hls", args.seconds / 2, args.fps)
            print(
                f"latency HLS fallback (native, {args.segment_s} s segments): p50 {r['p50']:.0f} ms, "
                f"p90 {r['p90']:.0f} ms over {r['n']} frames; frames never shown {r['missing_frames']:.1%}"
            )
        if "ttff" in parts:
            r = await first_frame(server, args.tries)
            print(
                f"time to first frame, new viewer: p50 {r['nav_p50']:.0f} ms, max {r['nav_max']:.0f} ms from "
                f"navigation; p50 {r['player_p50']:.0f} ms from player start ({r['n']} page loads)"
            )
        if "fanout" in parts:
            base = await idle_cpu(server, 5)
            print(f"fan-out baseline (0 viewers, hub parsing the encoder output): {base:.3f} cores")
            for n in (int(x) for x in args.viewers.split(",")):
                r = await fanout(server, n, args.fanout_seconds)
                per_viewer = (r["cores"] - base) * 60 / n
                print(
                    f"fan-out {n} viewers: {r['cores']:.3f} cores ({r['cpu_s']:.1f} CPU s in {r['wall_s']:.0f} s), "
                    f"{per_viewer:.4f} CPU s per viewer per minute (above baseline); video "
                    f"{r['video_kbps']:.0f} kbit/s, delivered {r['delivered_mbps']:.0f} Mbit/s; "
                    f"{r['connected']} connected, {r['lost']} disconnected by the hub"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="latency,hls,ttff,fanout")
    parser.add_argument("--seconds", type=float, default=30.0, help="latency measuring window")
    parser.add_argument("--tries", type=int, default=10, help="page loads for time to first frame")
    parser.add_argument("--viewers", default="100,500,1000")
    parser.add_argument("--fanout-seconds", type=float, default=15.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--kbps", type=int, default=1500)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--segment-s", type=int, default=2)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
