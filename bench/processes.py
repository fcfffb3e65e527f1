"""Stopping a server the benchmarks started in a session of its own (its process group: workers included)."""

from __future__ import annotations

import os
import signal
import subprocess
from contextlib import suppress


def stop_group(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGTERM the process group, SIGKILL it if it has not ended within 20 s."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
