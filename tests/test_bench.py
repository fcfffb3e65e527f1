"""The benchmarks still run end to end (tiny sizes; their numbers are read by people, never asserted)."""

from __future__ import annotations

import asyncio
import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_bench(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_webhook_bench_answers_every_update_beside_the_bare_endpoint() -> None:
    out = run_bench("bench/webhook.py", "--updates", "30", "--warmup", "5", "--users", "30", "--rate", "60")
    assert re.search(r"^bare FastAPI endpoint +capacity", out, re.M)
    assert re.search(r"^POST /webhooks/telegram \(service\) +capacity .*HTTP 200: 30\)", out, re.M)
    assert re.search(r"^POST /webhooks/telegram \(service\) +at 60/s offered: p50 .*HTTP 200: 30\)", out, re.M)
    sends, updates = map(int, re.search(r"(\d+) sendMessage calls for (\d+) updates", out).groups())  # type: ignore[union-attr]
    # 5 + 30 + 30, or 30 more when the machine's capacity is under 60/s (then a loop at 80% of it follows)
    assert updates in (65, 95) and sends >= updates, "every update was answered through the fake Bot API"


def test_core_bench_prints_the_core_beside_its_baselines() -> None:
    out = run_bench("bench/core.py", "--messages", "60", "--users", "10")
    for label in ("core, state on the database", "core, state in memory", "matcher alone"):
        assert re.search(rf"^{re.escape(label)} +p50 +[\d.]+ ms +p99 +[\d.]+ ms", out, re.M), out


def test_webhook_bench_counts_a_request_without_response_by_kind_and_goes_on() -> None:
    spec = importlib.util.spec_from_file_location("bench_webhook", ROOT / "bench" / "webhook.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    answers = iter([httpx.ReadError("connection reset"), 200, httpx.ReadTimeout("slow"), 503])

    def reply(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    async def four() -> tuple[list[bool], dict[int, int], dict[str, int]]:
        statuses: dict[int, int] = {}
        errors: dict[str, int] = {}
        async with httpx.AsyncClient(base_url="http://bench.test", transport=httpx.MockTransport(reply)) as client:
            done = [await bench._post(client, {"update_id": n}, statuses, errors) for n in range(4)]
        return done, statuses, errors

    done, statuses, errors = asyncio.run(four())
    assert done == [False, True, False, True]
    assert statuses == {200: 1, 503: 1} and errors == {"ReadError": 1, "ReadTimeout": 1}
    run = bench.Run([0.01], 1.0, statuses, errors)
    assert run.codes == "200: 1, 503: 1; transport errors ReadError: 1, ReadTimeout: 1"
    assert math.isnan(bench.Run([], 1.0, {}, errors).percentile(0.99)), "an empty run still prints"
