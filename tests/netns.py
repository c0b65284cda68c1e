"""Hosts of their own on this machine: network namespaces joined by veth pairs to a bridge in the test's
namespace, made and torn down by the test. Everything stays on this machine (the bridge has no uplink).

Each host sees only its own address and the bridge's; a service the test offers (a forwarder to PostgreSQL, a
replay server) listens on the bridge address. Needs root and iproute2; ``unavailable`` says why not.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from dataclasses import dataclass, field


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None."""
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_NET_ADMIN)"
    probe = f"dp-probe-{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except subprocess.CalledProcessError as exc:
        return f"`ip netns add` failed: {exc.stderr.strip()}"
    _ip("netns", "delete", probe)
    return None


@dataclass
class Network:
    """A bridge ``10.X.Y.1/24`` in this namespace and ``hosts`` namespaces at ``10.X.Y.(10+i)``."""

    hosts: int
    tag: str = field(default_factory=lambda: f"{random.randrange(16**4):04x}")
    subnet: str = field(default_factory=lambda: f"10.{random.randrange(200, 250)}.{random.randrange(256)}")
    made: list[list[str]] = field(default_factory=list)  # undo commands, newest last

    @property
    def bridge_address(self) -> str:
        return f"{self.subnet}.1"

    def address(self, host: int) -> str:
        return f"{self.subnet}.{10 + host}"

    def namespace(self, host: int) -> str:
        return f"dp-{self.tag}-h{host}"

    def up(self) -> Network:
        bridge = f"dpb{self.tag}"
        _ip("link", "add", bridge, "type", "bridge")
        self.made.append(["link", "delete", bridge])
        _ip("addr", "add", f"{self.bridge_address}/24", "dev", bridge)
        _ip("link", "set", bridge, "up")
        for host in range(self.hosts):
            namespace, outside, inside = self.namespace(host), f"dpv{self.tag}{host}", f"dpp{self.tag}{host}"
            _ip("netns", "add", namespace)
            self.made.append(["netns", "delete", namespace])
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            self.made.append(["link", "delete", outside])  # deletes its peer too
            _ip("link", "set", outside, "master", bridge)
            _ip("link", "set", outside, "up")
            _ip("link", "set", inside, "netns", namespace)
            _ip("-n", namespace, "addr", "add", f"{self.address(host)}/24", "dev", inside)
            _ip("-n", namespace, "link", "set", inside, "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
        return self

    def command(self, host: int, *argv: str) -> list[str]:
        """``argv`` run inside ``host`` (the environment passes through)."""
        return ["ip", "netns", "exec", self.namespace(host), *argv]

    def down(self) -> None:
        for undo in reversed(self.made):
            subprocess.run(["ip", *undo], check=False, capture_output=True)
        self.made.clear()
