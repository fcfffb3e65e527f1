"""Webhook throughput: realistic Telegram updates from many users against the real service over loopback.

usage: python bench/webhook.py [--updates 2000] [--users 1000] [--concurrency 16] [--rate 300]
                               [--connections 40] [--database-url URL] [--workers 1] [--max-seconds 300]
                               [--log-level info]

Starts `desmigratif serve` (one uvicorn worker, SQLite in a temporary folder unless --database-url is
given) with Telegram in webhook mode, its Bot API pointed at the fake of tests/fakes/telegram_api.py on
127.0.0.1 (so every reply is really sent over HTTP; the fake runs in a process of its own, so that it does
not share a GIL with the load generator), and loads `POST /webhooks/telegram` with questions,
follow-ups, greetings, commands and button presses from many users, one at a time per user (as Telegram
delivers a chat's updates in order). Two measurements each:

- capacity: a closed loop with --concurrency updates in flight, as fast as the server answers. Prints
  updates/s and the server's CPU per update. (Latency here is mostly queueing: in flight / throughput.)
- latency at a rate: an open loop offering --rate updates/s on at most --connections connections (40 is
  Telegram's default for a webhook), each latency counted from the moment the update was due, so a server
  that falls behind shows it (no coordinated omission). Prints p50/p99 and the rate achieved.

Beside the service, in the same run with the same client and updates, a bare FastAPI app with one trivial
POST route under the same uvicorn: the floor of what the HTTP stack and this client cost.
Target (design §9): >= 300 updates/s with p99 <= 100 ms.
Bounded in count and time: each loop stops after its updates or --max-seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests/fakes is imported from the repository, not installed
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.processes import stop_group  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update, message_update  # noqa: E402

TOKEN = "123456:BENCH-token_abcdefghijklmnopqrstuvwxyz"
SECRET = "bench-webhook-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
START_SECONDS = 150  # several workers on a loaded machine take a while to start
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


def traffic(n_updates: int, n_users: int, seed: int = 7, first_id: int = 1_000_000, first_chat: int = 9_000_000
            ) -> list[dict[str, Any]]:
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
    update_id = first_id
    while queues and len(updates) < n_updates:
        user = rng.choice(list(queues))
        kind, value = queues[user].pop()
        if not queues[user]:
            del queues[user]
        update_id += 1
        chat = first_chat + user
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


class FakeBotAPIProcess:
    """The fake Bot API in a child process (this file run with --serve-fake), driven over its stdin/stdout."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--serve-fake"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url:
            raise RuntimeError("the fake Bot API did not start")

    def ask(self, command: str) -> str:
        """Send one command line ("reset", "count METHOD") and return the answer line."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        """Stop the child (closing its stdin ends it)."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def serve_fake() -> int:
    """Child side: serve the fake, print its base URL, answer commands until stdin closes."""
    with FakeTelegramAPI().serve() as fake:
        print(fake.base_url, flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "reset":
                fake.reset()
                print("ok", flush=True)
            elif command == "count":
                print(len(fake.calls_to(argument)), flush=True)
            else:
                print(f"unknown command {command!r}", flush=True)
    return 0


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time so far of a server and its workers (its process group, Linux /proc), or None
    where that cannot be read. (Each server is started in a session of its own, so its group id is its pid.)"""
    total, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pid:  # the process group
                total += int(fields[11]) + int(fields[12])
                found = True
        except (OSError, ValueError, IndexError):
            continue
    return total / os.sysconf("SC_CLK_TCK") if found else None


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path, ready_path: str
           ) -> Iterator[tuple[str, int]]:
    """Run a server subprocess until it answers `ready_path`; yields (base URL, pid); stops it afterwards."""
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[2:]} exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + ready_path, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[2:]} did not start in {START_SECONDS} s: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base, process.pid
    finally:
        stop_group(process)


@dataclass
class Run:
    """What one loop measured."""

    latencies: list[float]
    seconds: float
    statuses: dict[int, int]
    errors: dict[str, int] = field(default_factory=dict)  # requests without a response, by httpx error class
    cpu: float | None = None  # the server's CPU seconds over the loop

    @property
    def rate(self) -> float:
        """Updates answered per second."""
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, fraction: float) -> float:
        """A latency percentile in milliseconds (NaN when nothing was answered)."""
        ms = sorted(x * 1000 for x in self.latencies)
        return ms[min(len(ms) - 1, int(len(ms) * fraction))] if ms else math.nan

    @property
    def codes(self) -> str:
        """The HTTP statuses seen, with counts, and the transport errors by kind."""
        text = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items())) or "none"
        if self.errors:
            text += "; transport errors " + ", ".join(f"{kind}: {n}" for kind, n in sorted(self.errors.items()))
        return text


async def _post(client: httpx.AsyncClient, update: dict[str, Any], statuses: dict[int, int],
                errors: dict[str, int]) -> bool:
    """POST one update; a request that gets no response (reset, timeout…) is counted by kind, never raised."""
    try:
        response = await client.post("/webhooks/telegram", json=update, headers=HEADERS)
    except httpx.TransportError as error:
        kind = type(error).__name__
        errors[kind] = errors.get(kind, 0) + 1
        return False
    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return True


async def load(base: str, updates: list[dict[str, Any]], concurrency: int, deadline: float) -> Run:
    """Closed loop: send the updates, at most `concurrency` in flight and one per user."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    locks: dict[int, asyncio.Lock] = {}
    position = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def worker() -> None:
            nonlocal position
            while position < len(updates) and time.monotonic() < deadline:
                update = updates[position]
                position += 1
                async with locks.setdefault(_chat_of(update), asyncio.Lock()):
                    start = time.perf_counter()
                    if await _post(client, update, statuses, errors):
                        latencies.append(time.perf_counter() - start)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Run(latencies, time.perf_counter() - started, statuses, errors)


async def load_at_rate(base: str, updates: list[dict[str, Any]], rate: float, connections: int,
                       deadline: float) -> Run:
    """Open loop: update i is due at i/rate seconds; its latency runs from then to its answer.

    A user's update still waits for that user's previous one, and every update for a free connection:
    both waits count, as they would for Telegram.
    """
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    locks: dict[int, asyncio.Lock] = {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()

        async def send(index: int, update: dict[str, Any]) -> None:
            due = started + index / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if time.monotonic() > deadline:
                return
            async with locks.setdefault(_chat_of(update), asyncio.Lock()):
                answered = await _post(client, update, statuses, errors)
            if answered:
                latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(send(i, u) for i, u in enumerate(updates)))
        return Run(latencies, time.perf_counter() - started, statuses, errors)


def measured(pid: int, loop: Callable[[], Any]) -> Run:
    """Run an async loop to completion, adding the server's CPU seconds over it."""
    before = cpu_seconds(pid)
    result: Run = asyncio.run(loop())
    after = cpu_seconds(pid)
    if before is not None and after is not None:
        result.cpu = after - before
    return result


def capacity_line(label: str, run: Run) -> str:
    """The closed loop's line."""
    cpu = (f"   server CPU {run.cpu * 1000 / len(run.latencies):5.2f} ms/update"
           if run.cpu is not None and run.latencies else "")
    return (f"{label:<34} capacity {run.rate:7.1f} updates/s{cpu}   (p50 {run.percentile(0.5):6.1f} ms, "
            f"p99 {run.percentile(0.99):6.1f} ms: queueing; {len(run.latencies)} in {run.seconds:.2f} s; "
            f"HTTP {run.codes})")


def rate_line(label: str, run: Run, rate: float) -> str:
    """The open loop's line."""
    return (f"{label:<34} at {rate:g}/s offered: p50 {run.percentile(0.5):7.2f} ms   p99 {run.percentile(0.99):7.2f} ms"
            f"   max {run.percentile(1.0):7.2f} ms   (achieved {run.rate:.1f} updates/s; HTTP {run.codes})")


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000, help="updates per loop")
    parser.add_argument("--users", type=int, default=1000,
                        help="senders per loop (1000: nobody goes over the flood limit, a burst of 20)")
    parser.add_argument("--concurrency", type=int, default=16, help="updates in flight in the capacity loop")
    parser.add_argument("--rate", type=float, default=300, help="updates/s offered in the latency loop")
    parser.add_argument("--connections", type=int, default=40, help="connections in the latency loop")
    parser.add_argument("--warmup", type=int, default=100, help="updates sent first and not counted")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the service (design §9: one)")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop each loop after this long")
    parser.add_argument("--log-level", default="info", help="the service's LOG_LEVEL (production default: info)")
    args = parser.parse_args()

    fake = FakeBotAPIProcess()
    try:
        return compare(args, fake)
    finally:
        fake.close()


def compare(args: argparse.Namespace, fake: FakeBotAPIProcess) -> int:
    """Measure the bare endpoint, then the service, and print both."""
    # Each loop has users of its own: the same users in two loops could go over the flood limit (a burst of
    # 20, then 40 a minute) and get silence, which costs nothing to send.
    warm = traffic(args.warmup, args.users, seed=6, first_id=1_000_000, first_chat=7_000_000)
    closed = traffic(args.updates, args.users, seed=7, first_id=2_000_000, first_chat=8_000_000)
    opened = traffic(args.updates, args.users, seed=8, first_id=3_000_000, first_chat=9_000_000)
    lines: list[str] = []
    capacity: Run | None = None
    latencies: list[Run] = []
    sends: int | None = None
    try:
        capacity, latencies, sends = _measure(args, fake, lines, warm, closed, opened)
    except Exception as error:  # print what was measured, and why the rest was not
        lines.append(f"stopped early: {type(error).__name__}: {error}")
    finally:
        _report(args, lines, capacity, latencies, sends)
    return 0 if capacity is not None else 1


def _measure(args: argparse.Namespace, fake: FakeBotAPIProcess, lines: list[str], warm: list[dict[str, Any]],
             closed: list[dict[str, Any]], opened: list[dict[str, Any]]) -> tuple[Run, list[Run], int]:
    """The bare endpoint, then the service: their lines go to `lines` as they are measured."""

    def both(label: str, base: str, pid: int) -> tuple[Run, list[Run]]:
        asyncio.run(load(base, warm, args.concurrency, time.monotonic() + args.max_seconds))
        capacity = measured(pid, lambda: load(base, closed, args.concurrency, time.monotonic() + args.max_seconds))
        lines.append(capacity_line(label, capacity))
        # The target rate; and, when that is over capacity (latency then only grows), 80% of capacity.
        rates = [args.rate] + ([round(0.8 * capacity.rate)] if capacity.rate < args.rate else [])
        latencies = []
        for index, rate in enumerate(rates):
            updates = opened if index == 0 else traffic(args.updates, args.users, seed=9, first_id=4_000_000,
                                                        first_chat=10_000_000)
            latency = measured(pid, lambda rate=rate, updates=updates: load_at_rate(
                base, updates, rate, args.connections, time.monotonic() + args.max_seconds))
            lines.append(rate_line(label, latency, rate))
            latencies.append(latency)
        return capacity, latencies

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        (folder / "bare_app.py").write_text(BARE_APP)

        bare_port = _free_port()
        bare = [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1", "--port", str(bare_port),
                "--log-level", "warning", "--no-access-log", "--app-dir", str(folder)]
        with server(bare, dict(os.environ), bare_port, folder / "bare.log", "/docs") as (base, pid):
            both("bare FastAPI endpoint", base, pid)

        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
               "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_MODE": "webhook", "LOG_LEVEL": args.log_level}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        serve = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())", "serve",
                 "--port", str(port), "--workers", str(args.workers)]
        with server(serve, env, port, folder / "serve.log", "/readyz") as (base, pid):
            fake.ask("reset")
            capacity, latencies = both("POST /webhooks/telegram (service)", base, pid)
            sends = int(fake.ask("count sendMessage"))
    return capacity, latencies, sends


def _report(args: argparse.Namespace, lines: list[str], capacity: Run | None, latencies: list[Run],
            sends: int | None) -> None:
    """Print the setting and every line measured (also after a failure)."""
    url = args.database_url or "sqlite:///bench.db"
    backend = url.split(":")[0].split("+")[0]
    workers = "one uvicorn worker" if args.workers == 1 else f"{args.workers} uvicorn workers"
    print(f"{args.updates} updates per loop from {args.users} users; {workers}, state on {backend}, "
          f"service log level {args.log_level}; replies to a fake Bot API on 127.0.0.1 (its own process)")
    print(f"capacity loop: {args.concurrency} in flight; latency loop: {args.rate:g} updates/s offered "
          f"on up to {args.connections} connections")
    print("\n".join(lines))
    if capacity is not None and sends is not None:
        answered = len(capacity.latencies) + sum(len(run.latencies) for run in latencies) + args.warmup
        print(f"replies sent to the fake Bot API: {sends} sendMessage calls for {answered} updates")
    print("target: >= 300 updates/s with p99 <= 100 ms over loopback")


if __name__ == "__main__":
    sys.exit(serve_fake() if sys.argv[1:] == ["--serve-fake"] else main())
