"""Start `spideo-sim` commands as separate processes, as a user would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import urllib3

SPIDEO_SIM = str(Path(sys.executable).with_name("spideo-sim"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 15) -> None:
    http = urllib3.PoolManager(retries=False, timeout=2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if http.request("GET", url).status < 500:
                return
        except urllib3.exceptions.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"{url} did not answer: {process.communicate()[0]}")


def start(*args: str, health: str) -> tuple[subprocess.Popen, int]:
    """Run `spideo-sim ARGS --port P`; returns once `health` (a path) answers on P."""
    port = free_port()
    process = subprocess.Popen([SPIDEO_SIM, *args, "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wait_for(f"http://127.0.0.1:{port}{health}", process)
    return process, port
