"""Benchmark: composing and rendering digests for 10,000 subscribers, and sending into a local SMTP sink.

Imports the Hugging Face papers of ``../shared/data/hf_daily_papers`` (9,877) into a fresh SQLite database,
adds 10,000 confirmed subscribers with varied filters (40 % none, the rest categories and/or keywords drawn
from fixed lists, seeded), then measures for the busiest week (weekly digest) and a busy day (daily):

- load: the period's candidates, each paper rendered and its CSS inlined once;
- choose + render in memory: the per-subscriber work (filters, text and HTML assembly), digests/s;
- compose(): the same plus writing the outbox (10,000 rows), digests/s;
- send: ``drain`` into an aiosmtpd server on loopback (MIME building, SMTP, two transactions per message),
  for the first ``--send`` messages, messages/s.

Prints one table; nothing is asserted.

    .venv/bin/python benchmarks/digests.py [--data PATH] [--subscribers 10000] [--send 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers"
CATEGORIES = ["cs.CL", "cs.LG", "cs.CV", "cs.AI", "stat.ML", "cs", "cs.RO", "eess"]
KEYWORDS = ["agent", "diffusion", "reasoning", "retrieval", "benchmark", "video", "robot", "reinforcement learning",
            "multimodal", "language model", "speech", "3d", "efficient", "alignment", "code"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="hf_daily_papers folder")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--send", type=int, default=2_000, help="messages to send into the SMTP sink")
    args = parser.parse_args()
    if not (args.data / "days").is_dir():
        print(f"missing data: {args.data / 'days'} not found (this benchmark needs ../shared/data/hf_daily_papers)")
        return 2

    work = Path(tempfile.mkdtemp(prefix="dailypapers-digest-bench-"))
    os.environ.update({"DAILYPAPERS_DATA_DIR": str(work), "DAILYPAPERS_SCHEDULER": "false"})
    os.environ.pop("DAILYPAPERS_DATABASE_URL", None)
    python = [sys.executable, "-m", "dailypapers"]
    subprocess.run([*python, "db", "upgrade"], check=True, capture_output=True)
    subprocess.run([*python, "import", "hf", str(args.data / "days")], check=False, capture_output=True)
    subprocess.run([*python, "import", "hf", str(args.data / "repaired")], check=True, capture_output=True)

    from dailypapers.config import Settings
    from dailypapers.db import Database, utcnow
    from dailypapers.digests.compose import PeriodDigests
    from dailypapers.digests.models import Frequency, OutboxMessage, Subscription
    from dailypapers.digests.outbox import build_message, compose, drain
    from dailypapers.digests.schedule import covering
    from dailypapers.email.smtp import SmtpSender
    from dailypapers.papers.models import DailyEntry, Paper

    # The SMTP server runs in its own process (aiosmtpd's Sink handler), as a real server would.
    port = _free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"]
    )
    time.sleep(1.0)
    settings = Settings(
        email_backend="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", digest_send_rate=0
    )
    db = Database.from_settings(settings)
    try:
        with db.read() as session:
            papers = session.scalar(select(func.count()).select_from(Paper))
            per_day = session.execute(
                select(DailyEntry.day, func.count()).group_by(DailyEntry.day).order_by(func.count().desc())
            ).all()
        busiest_day = per_day[0][0]
        weeks: dict[tuple[int, int], int] = {}
        for day, count in per_day:
            key = day.isocalendar()[:2]
            weeks[key] = weeks.get(key, 0) + count
        (year, week), _ = max(weeks.items(), key=lambda item: item[1])
        busiest_week_day = dt.date.fromisocalendar(year, week, 1)

        rng = random.Random(42)
        rows = []
        for i in range(args.subscribers):
            cats = kws = ""
            if rng.random() >= 0.4:
                if rng.random() < 0.6:
                    cats = " ".join(rng.sample(CATEGORIES, rng.randint(1, 3)))
                if rng.random() < 0.6:
                    kws = ", ".join(rng.sample(KEYWORDS, rng.randint(1, 3)))
            rows.append({"email": f"reader{i:05d}@example.org", "categories": cats, "keywords": kws,
                         "status": "active", "token_version": 1, "bounces": 0, "created_at": utcnow(),
                         "changed_at": utcnow()})  # fmt: skip
        print(f"corpus: {papers} papers; {args.subscribers} subscribers (40 % without filters); machine: "
              f"{os.cpu_count()} cores; SQLite")  # fmt: skip
        print(f"{'period':<26} {'papers':>6} {'load s':>7} {'choose+render/s':>16} {'compose()/s':>12} {'outbox':>7}")
        for frequency, day in ((Frequency.weekly, busiest_week_day), (Frequency.daily, busiest_day)):
            with db.write() as session:
                session.execute(insert(Subscription), [{**r, "frequency": frequency.value} for r in rows])
            period = covering(frequency, day)
            with db.read() as session:
                start = time.perf_counter()
                digests = PeriodDigests.load(session, settings, period)
                load_seconds = time.perf_counter() - start
                subscribers = list(session.scalars(select(Subscription)))
            start = time.perf_counter()
            for subscriber in subscribers:
                digests.render(digests.choose(subscriber), [], "https://x/manage?token=t", "https://x/unsub?token=t")
            render_rate = len(subscribers) / (time.perf_counter() - start)
            start = time.perf_counter()
            summary = compose(db, settings, period)
            compose_rate = len(subscribers) / (time.perf_counter() - start)
            print(f"{period.key:<26} {len(digests.papers):>6} {load_seconds:>7.2f} {render_rate:>16,.0f} "
                  f"{compose_rate:>12,.0f} {summary.composed:>7}")  # fmt: skip
            if frequency is Frequency.weekly:
                with db.write() as session:  # send only the first --send of them
                    keep = select(OutboxMessage.id).order_by(OutboxMessage.id).limit(args.send).scalar_subquery()
                    session.query(OutboxMessage).filter(OutboxMessage.id.not_in(keep)).update(
                        {"status": "cancelled"}, synchronize_session=False
                    )
                start = time.perf_counter()
                with SmtpSender(settings) as sender:
                    sent = drain(db, settings, sender)
                seconds = time.perf_counter() - start
                with db.read() as session:
                    row = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).first()
                    subscriber = session.get(Subscription, row.subscription_id) if row else None
                    size = (
                        len(build_message(settings, digests, row, subscriber).as_bytes()) / 1024
                        if row and subscriber
                        else 0
                    )
                print(f"send: {sent.sent} digests into aiosmtpd (another process) on loopback in {seconds:.1f} s = "
                      f"{sent.sent / seconds:,.0f} messages/s (one message: {size:.0f} KiB)")  # fmt: skip
            with db.write() as session:
                session.query(OutboxMessage).delete()
                session.query(Subscription).delete()
    finally:
        sink.terminate()
        db.dispose()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
