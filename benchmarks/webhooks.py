"""Benchmark: composing and posting the chat webhooks of one feed day into a loopback HTTP server.

Loads the bundled demo data (``dailypapers import demo``: 1,512 Hugging Face papers, in the package, so nothing is
missing) into a fresh SQLite database, adds ``--webhooks`` webhooks (Slack, Discord, Mattermost, Matrix and signed
generic in turn; a third with a category filter), then measures for the demo's busiest day:

- compose(): choosing each webhook's top N, building its body and writing the outbox, webhooks/s;
- drain(): posting each delivery into a ``ThreadingHTTPServer`` in another process that answers 200 at once
  (so the numbers are our side: two transactions and one HTTP request per delivery), posts/s and p50/p99.

Prints one table; nothing is asserted.

    .venv/bin/python benchmarks/webhooks.py [--webhooks 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

SERVER = textwrap.dedent(
    """
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each answer's body waits ~40 ms for the client's delayed ACK

        def _ok(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_POST = do_PUT = _ok

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """
)
SERVICES = ["slack", "discord", "mattermost", "matrix", "generic"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dailypapers-webhook-bench-"))
    os.environ.update({"DAILYPAPERS_DATA_DIR": str(work), "DAILYPAPERS_SCHEDULER": "false"})
    os.environ.pop("DAILYPAPERS_DATABASE_URL", None)
    python = [sys.executable, "-m", "dailypapers"]
    subprocess.run([*python, "db", "upgrade"], check=True, capture_output=True)
    subprocess.run([*python, "import", "demo"], check=True, capture_output=True)

    from sqlalchemy import func, select

    from dailypapers.config import Settings
    from dailypapers.db import Database
    from dailypapers.papers.models import DailyEntry
    from dailypapers.webhooks import services
    from dailypapers.webhooks.outbox import compose, drain
    from dailypapers.webhooks.transport import HttpPoster

    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
    try:
        settings = Settings()
        db = Database.from_settings(settings)
        with db.read() as session:
            day, papers = session.execute(
                select(DailyEntry.day, func.count()).group_by(DailyEntry.day).order_by(func.count().desc()).limit(1)
            ).one()
        with db.write() as session:
            for i in range(args.webhooks):
                service = SERVICES[i % len(SERVICES)]
                path = "/_matrix/client/v3/rooms/!r:x/send/m.room.message" if service == "matrix" else f"/{i}"
                secret = "token" if service == "matrix" else None
                categories = "cs.CL" if i % 3 == 0 else ""
                services.add(
                    session, name=f"#{i}", service=service, url=url + path, categories=categories, secret=secret
                )
        started = time.perf_counter()
        composed = compose(db, settings, day)
        compose_s = time.perf_counter() - started
        latencies: list[float] = []
        last = time.perf_counter()

        def tick(_outcome: str) -> None:
            nonlocal last
            now = time.perf_counter()
            latencies.append(now - last)
            last = now

        started = last = time.perf_counter()
        with HttpPoster(settings) as poster:
            drained = drain(db, settings, poster, on_delivery=tick)
        drain_s = time.perf_counter() - started
        cuts = statistics.quantiles(latencies, n=100)
        print(f"day {day} ({papers} papers on the feed), {args.webhooks} webhooks, SQLite, {os.cpu_count()} CPUs")
        print(f"{'step':<10}{'count':>8}{'seconds':>10}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}")
        n = composed.composed + composed.empty
        print(f"{'compose':<10}{n:>8}{compose_s:>10.2f}{n / compose_s:>12.0f}{'':>9}{'':>9}")
        print(f"{'post':<10}{drained.sent:>8}{drain_s:>10.2f}{drained.sent / drain_s:>12.0f}"
              f"{cuts[49] * 1000:>9.2f}{cuts[98] * 1000:>9.2f}")  # fmt: skip
        print(f"({composed.empty} webhooks had nothing to post; {drained.failed} failed)")
        db.dispose()
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
