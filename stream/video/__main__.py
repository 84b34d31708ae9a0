"""``python -m stream.video``: the video service alone with the test pattern, for a manual look at /video/watch."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from aiohttp import web

from stream.video.routes import standalone_app
from stream.video.service import VideoSettings
from stream.video.sources import Encoding, parse_sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--archive", type=Path, default=Path("ujian-data/video"))
    parser.add_argument("--upstream", help="relay this upstream hub instead of running ffmpeg")
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--cameras", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    width, height = (int(x) for x in args.size.split("x"))
    enc = Encoding(width=width, height=height, fps=args.fps, preset="ultrafast")
    names = ["Lab 1", "Meja panitia", "Lab 2", "Lab 3"]
    sources = parse_sources(
        [{"name": names[i % 4] if i < 4 else f"Kamera {i + 1}", "kind": "testsrc"} for i in range(args.cameras)],
        encoding=enc,
    )
    settings = VideoSettings(sources=sources, archive_dir=args.archive, upstream=args.upstream)
    print(f"video: http://{args.host}:{args.port}/video/watch")
    web.run_app(standalone_app(settings), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
