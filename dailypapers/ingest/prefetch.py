"""Produce the next item (an OAI-PMH page: HTTP and XML parsing, ~0.25 s per 1,000 records) in a thread while
the caller stores the current one (the database's share of a page, ~0.5 s on PostgreSQL): on 2 cores the two
overlap, and a bulk harvest runs at the speed of the slower stage instead of their sum.

At most one item waits ahead, so memory stays at two pages. An exception in the producer is raised in the
caller at the point it would have occurred; closing the iterator (the caller failed, or stopped early) stops
the producer before it asks its source for another item.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1  # how soon a producer notices that the caller has gone


class _End:
    pass


def prefetched(items: Iterator[T], name: str = "prefetch") -> Generator[T, None, None]:
    ready: queue.Queue[T | _End | BaseException] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: T | _End | BaseException) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put(exc)
            return
        put(_End())

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, _End):
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last may be shorter): hand-offs between threads per batch, not per item."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
