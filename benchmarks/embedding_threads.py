"""Benchmark: onnxruntime threads when one or two processes embed at once (``serve`` and a ``worker``, two workers).

Each process loads the bundled model (all-MiniLM-L6-v2 int8) with ``intra_op_num_threads`` = T and embeds the
same ``--docs`` real abstracts (from ``../shared/data/hf_daily_papers``) in the embed job's batches; the
processes start together (a barrier file) and the total throughput is all documents over the wall time until
the last finishes. Configurations: 1 process x T for T in 1..cores, and 2 processes x T, including the old
default (T = every core in each process, so two processes run 2 x cores threads on cores cores).

    .venv/bin/python benchmarks/embedding_threads.py [--docs 120]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers" / "days"

CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from dailypapers.search.embedder import MiniLMOnnx
texts = json.loads(Path(sys.argv[2]).read_text())
model = MiniLMOnnx(int(sys.argv[1]))
model.embed(texts[:4])  # warm: the first run allocates
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
start = time.perf_counter()
model.embed(texts)
print(json.dumps({"start": start, "seconds": time.perf_counter() - start}))
"""


def abstracts(count: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("*.json")):
        try:
            items = json.loads(path.read_text())
        except ValueError:
            continue
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("paper"), dict):
                texts.append(f"{item['paper'].get('title', '')}. {item['paper'].get('summary', '')}")
        if len(texts) >= count:
            break
    return texts[:count]


def run(processes: int, threads: int, corpus: Path, work: Path) -> float:
    """Total documents per second of ``processes`` embedding ``corpus`` at once with ``threads`` each."""
    go = work / f"go-{processes}-{threads}"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(threads), str(corpus), str(go), str(ROOT)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    time.sleep(3.0)  # every child loaded and warm before the start
    started = time.perf_counter()
    go.touch()
    for child in children:
        child.wait()
    wall = time.perf_counter() - started
    docs = len(json.loads(corpus.read_text())) * processes
    for child in children:
        assert child.returncode == 0, "a child failed"
    return docs / wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=120, help="abstracts per process")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"missing data: {DATA} not found (this benchmark needs ../shared/data/hf_daily_papers)")
        return 2
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "abstracts.json"
        corpus.write_text(json.dumps(abstracts(args.docs)))
        print(f"machine: {cores} cores; {args.docs} real abstracts per process, batches of 4")
        print(f"{'processes':>9} {'threads each':>12} {'total docs/s':>12}")
        results: dict[tuple[int, int], float] = {}
        for processes in (1, 2):
            for threads in range(1, cores + 1):
                results[processes, threads] = run(processes, threads, corpus, work)
                print(f"{processes:>9} {threads:>12} {results[processes, threads]:>12.1f}")
        best_one = max(v for (p, _), v in results.items() if p == 1)
        print(f"two processes at T=1: {results[2, 1] / best_one:.0%} of one process's best; ", end="")
        print(f"at T={cores} (every core each, the old default): {results[2, cores] / best_one:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
