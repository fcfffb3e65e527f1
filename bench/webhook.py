"""Webhook throughput: realistic Telegram updates from many users against the real service over loopback.

usage: python bench/webhook.py [--updates 2000] [--users 300] [--concurrency 16] [--database-url URL]
                               [--max-seconds 300] [--log-level info]

Starts `desmigratif serve` (one uvicorn worker, SQLite in a temporary folder unless --database-url is
given) with Telegram in webhook mode, its Bot API pointed at the fake of tests/fakes/telegram_api.py on
127.0.0.1 (so every reply is really sent over HTTP), and loads `POST /webhooks/telegram` with questions,
follow-ups, greetings, commands and button presses from many users, at most --concurrency in flight and
one at a time per user (as Telegram delivers a chat's updates in order). Beside it, in the same run with
the same client and the same updates, a bare FastAPI app with one trivial POST route under the same
uvicorn settings: the floor of what the HTTP stack and this client cost.
Prints updates/s and p50/p99 latency for both. Target (design §9): >= 300 updates/s with p99 <= 100 ms.
Bounded in count and time: stops by itself after the updates or --max-seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests/fakes is imported from the repository, not installed
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.fakes.telegram_api import FakeTelegramAPI, callback_update, message_update  # noqa: E402

TOKEN = "123456:BENCH-token_abcdefghijklmnopqrstuvwxyz"
SECRET = "bench-webhook-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
QUESTIONS = [
    "gaji taiwan berapa", "syarat kerja ke korea", "cara bikin paspor buat tki", "biaya penempatan pmi",
    "ciri ciri calo", "apa itu ltsa", "bpjs tki wajib ga", "agency minta uang 20jt wajar ga",
    "piye carane dadi tki resmi", "what documents do I need", "kerja di jepang syaratnya apa",
    "umur berapa bisa daftar ke hongkong", "resep nasi goreng", "kontrak kerja malaysia berapa lama",
]
FOLLOW_UPS = [("taiwan", "gajinya berapa"), ("hongkong", "kontraknya berapa lama"), ("korea", "syaratnya apa")]
GREETINGS = ["halo", "assalamualaikum", "/start", "menu", "selamat pagi min"]
BUTTONS = ["menu:negara", "menu:syarat", "menu:biaya", "entry:gaji-taiwan", "entry:syarat-korea",
           "fb:gaji-taiwan:1", "menu"]

BARE_APP = '''
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhooks/telegram")
async def webhook(request: Request) -> dict[str, bool]:
    await request.body()
    return {"ok": True}
'''


def traffic(n_updates: int, n_users: int, seed: int = 7) -> list[dict[str, Any]]:
    """Updates from many users: each user's messages in order, users interleaved at random."""
    rng = random.Random(seed)
    per_user: dict[int, list[tuple[str, str]]] = {u: [] for u in range(n_users)}
    users = list(per_user)
    count = 0
    while count < n_updates:
        user = rng.choice(users)
        roll = rng.random()
        if roll < 0.5:
            items = [("text", rng.choice(QUESTIONS))]
        elif roll < 0.65:
            items = [("text", t) for t in rng.choice(FOLLOW_UPS)]
        elif roll < 0.8:
            items = [("text", rng.choice(GREETINGS))]
        else:
            items = [("button", rng.choice(BUTTONS))]
        per_user[user].extend(items)
        count += len(items)
    queues = {u: list(reversed(items)) for u, items in per_user.items() if items}
    updates: list[dict[str, Any]] = []
    update_id = 1_000_000
    while queues and len(updates) < n_updates:
        user = rng.choice(list(queues))
        kind, value = queues[user].pop()
        if not queues[user]:
            del queues[user]
        update_id += 1
        chat = 9_000_000 + user
        lang = "en" if user % 10 == 0 else "id"
        if kind == "text":
            updates.append(message_update(update_id, value, user_id=chat, language_code=lang))
        else:
            updates.append(callback_update(update_id, value, user_id=chat, language_code=lang))
    return updates


def _chat_of(update: dict[str, Any]) -> int:
    source = update.get("message") or update["callback_query"]
    return int(source["from"]["id"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path, ready_path: str
           ) -> Iterator[tuple[str, int]]:
    """Run a server subprocess until it answers `ready_path`; yields (base URL, pid); stops it afterwards."""
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[2:]} exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + ready_path, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[2:]} did not start in 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base, process.pid
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


async def load(base: str, updates: list[dict[str, Any]], concurrency: int, deadline: float
               ) -> tuple[list[float], float, dict[int, int]]:
    """Send the updates, at most `concurrency` in flight and one per user; (latencies, seconds, statuses)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    locks: dict[int, asyncio.Lock] = {}
    position = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def worker() -> None:
            nonlocal position
            while position < len(updates) and time.monotonic() < deadline:
                update = updates[position]
                position += 1
                lock = locks.setdefault(_chat_of(update), asyncio.Lock())
                async with lock:
                    start = time.perf_counter()
                    response = await client.post("/webhooks/telegram", json=update, headers=HEADERS)
                    latencies.append(time.perf_counter() - start)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, statuses


def report(label: str, latencies: list[float], elapsed: float, statuses: dict[int, int], cpu: float | None) -> str:
    """One line of results; `cpu` is the server's CPU seconds over the run (a load-independent cost)."""
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    per = f"; server CPU {cpu * 1000 / len(ms):.2f} ms/update" if cpu is not None else ""
    return (f"{label:<34} {len(ms) / elapsed:8.1f} updates/s   p50 {statistics.median(ms):7.2f} ms   "
            f"p99 {p99:7.2f} ms   max {ms[-1]:7.2f} ms   ({len(ms)} in {elapsed:.2f} s; HTTP {codes}{per})")


def measure(base: str, pid: int, updates: list[dict[str, Any]], concurrency: int, max_seconds: float
            ) -> tuple[list[float], float, dict[int, int], float | None]:
    """Load the server with `updates`; (latencies, seconds, statuses, server CPU seconds)."""
    before = cpu_seconds(pid)
    latencies, elapsed, statuses = asyncio.run(load(base, updates, concurrency, time.monotonic() + max_seconds))
    after = cpu_seconds(pid)
    return latencies, elapsed, statuses, (after - before if before is not None and after is not None else None)


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=100, help="updates sent first and not counted")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop loading after this long")
    parser.add_argument("--log-level", default="info", help="the service's LOG_LEVEL (production default: info)")
    args = parser.parse_args()

    updates = traffic(args.updates + args.warmup, args.users)
    warm, measured = updates[: args.warmup], updates[args.warmup:]
    with tempfile.TemporaryDirectory() as tmp, FakeTelegramAPI().serve() as fake:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        (folder / "bare_app.py").write_text(BARE_APP)
        results = []

        bare_port = _free_port()
        bare = [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1", "--port", str(bare_port),
                "--log-level", "warning", "--no-access-log", "--app-dir", str(folder)]
        with server(bare, dict(os.environ), bare_port, folder / "bare.log", "/docs") as (base, pid):
            asyncio.run(load(base, warm, args.concurrency, time.monotonic() + args.max_seconds))
            results.append(("bare FastAPI endpoint", *measure(base, pid, measured, args.concurrency,
                                                                args.max_seconds)))

        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
               "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_MODE": "webhook", "LOG_LEVEL": args.log_level}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        serve = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())", "serve",
                 "--port", str(port), "--workers", "1"]
        with server(serve, env, port, folder / "serve.log", "/readyz") as (base, pid):
            asyncio.run(load(base, warm, args.concurrency, time.monotonic() + args.max_seconds))
            fake.reset()
            results.append(("POST /webhooks/telegram (service)", *measure(base, pid, measured, args.concurrency,
                                                                            args.max_seconds)))
            sends = len(fake.calls_to("sendMessage"))

    backend = url.split(":")[0].split("+")[0]
    print(f"{len(measured)} updates from {args.users} users, {args.concurrency} in flight, one uvicorn worker, "
          f"state on {backend}, service log level {args.log_level}; replies to a fake Bot API on 127.0.0.1")
    for label, latencies, elapsed, statuses, cpu in results:
        print(report(label, latencies, elapsed, statuses, cpu))
    print(f"replies sent to the fake Bot API: {sends} sendMessage calls")
    print("target (design §9): >= 300 updates/s with p99 <= 100 ms over loopback")
    return 0


if __name__ == "__main__":
    sys.exit(main())
