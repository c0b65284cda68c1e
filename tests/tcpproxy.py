"""A loopback TCP proxy that a test can pause: a stalled database server, as its clients see it.

While paused the proxy still accepts connections and reads what clients send, but forwards nothing in either
direction, and keeps every socket open: the kernel acknowledges each packet, so neither TCP keepalives nor
``tcp_user_timeout`` notice anything (as with a stopped server process or a hung host behind a firewall that
still answers). ``resume`` delivers what was held back, in order.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Link:
    client: socket.socket
    upstream: socket.socket
    # Bytes read while paused, per direction, delivered on resume.
    held: dict[str, list[bytes]] = field(default_factory=lambda: {"up": [], "down": []})
    open: bool = True


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, listen_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server((listen_host, 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Condition()
        self._paused = False
        self._closed = False
        self._links: list[_Link] = []

    def start(self) -> TcpProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            for link in self._links:
                if link.open:
                    for direction, target in (("up", link.upstream), ("down", link.client)):
                        for chunk in link.held[direction]:
                            with contextlib.suppress(OSError):
                                target.sendall(chunk)
                link.held = {"up": [], "down": []}
            self._paused = False

    @property
    def stuck(self) -> int:
        """Open client connections whose requests are held back (a request waiting on the database)."""
        with self._lock:
            return sum(1 for link in self._links if link.open and link.held["up"])

    def wait_until_stuck(self, count: int, timeout: float) -> bool:
        with self._lock:
            return self._lock.wait_for(
                lambda: sum(1 for link in self._links if link.open and link.held["up"]) >= count, timeout
            )

    def stop(self) -> None:
        with self._lock:
            self._closed = True
            links, self._links = self._links, []
        self._listener.close()
        for link in links:
            self._close(link)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            link = _Link(client, upstream)
            with self._lock:
                if self._closed:
                    self._close(link)
                    return
                self._links.append(link)
            threading.Thread(target=self._pump, args=(link, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(link, "down"), daemon=True).start()

    def _pump(self, link: _Link, direction: str) -> None:
        source, target = (link.client, link.upstream) if direction == "up" else (link.upstream, link.client)
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            with self._lock:
                if not data:
                    # One side closed (a client giving up on a stalled server): end the link as a whole.
                    self._close(link)
                    self._lock.notify_all()
                    return
                if self._paused:
                    link.held[direction].append(data)
                    self._lock.notify_all()
                    continue
            try:
                target.sendall(data)
            except OSError:
                with self._lock:
                    self._close(link)
                return

    @staticmethod
    def _close(link: _Link) -> None:
        link.open = False
        for sock in (link.client, link.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
