"""Start-up time per worker: `desmigratif serve --workers N` beside a bare uvicorn app started the same way.

usage: python bench/startup.py [--workers 2] [--database-url URL] [--repeat 2]

Each server is launched as in production (the `desmigratif` console script; the bare app with
`python -m uvicorn --workers N`), and every worker process reports when its app has started (the service's
"ready" log line, the bare app's lifespan). Printed per worker: seconds from launch until that worker was
ready, and for the service when its parent had checked the database and started the workers. The bare app
is the floor: Python, uvicorn and a spawned process on this machine, right now. The database is migrated
and seeded once before the runs, so they measure starting, not seeding.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.processes import stop_group  # noqa: E402

BARE_APP = '''
import datetime as dt
import json
import os
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    print(json.dumps({"message": "ready", "pid": os.getpid(),
                      "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")}), file=sys.stderr, flush=True)
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _events(log: Path) -> list[dict[str, object]]:
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            found.append(record)
    return found


def _seconds_after(record: dict[str, object], launched: float) -> float:
    return dt.datetime.fromisoformat(str(record["time"])).timestamp() - launched


@dataclass
class Launch:
    """Seconds after launch: each worker ready (sorted), each worker's app imported (uvicorn's "Started
    server process", logged after the app is loaded and before its lifespan), the parent starting workers."""

    ready: list[float]
    imported: list[float]
    parent: float | None


def launch(command: list[str], env: dict[str, str], log: Path, workers: int, timeout: float) -> Launch:
    """Run a server until `workers` worker processes said they are ready; stop it; when things happened."""
    with log.open("w") as out:
        launched = time.time()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True, cwd=log.parent)
    try:
        deadline = time.monotonic() + timeout
        while True:
            events = _events(log)
            ready = {r.get("pid"): r for r in events if str(r.get("message", "")).startswith("ready")}
            if len(ready) >= workers:
                parent = next((r for r in events if str(r.get("message", "")).startswith("Started parent process")),
                              None)
                imported = [r for r in events if str(r.get("message", "")).startswith("Started server process")]
                return Launch(sorted(_seconds_after(r, launched) for r in ready.values()),
                              sorted(_seconds_after(r, launched) for r in imported),
                              _seconds_after(parent, launched) if parent else None)
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[:3]} did not get {workers} workers ready: {log.read_text()[-1500:]}")
            time.sleep(0.05)
    finally:
        stop_group(process)


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=2, help="launches of each server (the median is printed)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the workers")
    args = parser.parse_args()
    desmigratif = Path(sys.executable).parent / "desmigratif"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bare_app.py").write_text(BARE_APP)
        url = args.database_url or f"sqlite:///{folder / 'startup.db'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "PROMETHEUS_"))}
        env.update(DATABASE_URL=url, LOG_FORMAT="json", LOG_LEVEL="info")
        # Migrate and seed once (any command that opens the database does it), so the runs measure starting.
        subprocess.run([str(desmigratif), "ask", "halo"], env=env, check=True, capture_output=True)

        runs: dict[str, list[Launch]] = {"bare": [], "service": []}
        for _ in range(args.repeat):
            bare = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(folder), "--port",
                    str(_free_port()), "--log-level", "warning"]
            if args.workers > 1:
                bare += ["--workers", str(args.workers)]
            runs["bare"].append(launch(bare, env, folder / "bare.log", args.workers, args.timeout))
            serve = [str(desmigratif), "serve", "--port", str(_free_port()), "--workers", str(args.workers)]
            runs["service"].append(launch(serve, env, folder / "serve.log", args.workers, args.timeout))

    backend = url.split(":")[0].split("+")[0]
    print(f"start-up, {args.workers} worker(s), {backend}; median of {args.repeat} launch(es); "
          f"seconds from launch until each worker was ready")
    for label, key in (("bare uvicorn app", "bare"), ("desmigratif serve", "service")):
        per_worker = [statistics.median(run.ready[i] for run in runs[key]) for i in range(args.workers)]
        line = f"{label:<20} workers ready at " + ", ".join(f"{s:5.2f} s" for s in per_worker)
        if all(len(run.imported) >= args.workers for run in runs[key]):
            imported = [statistics.median(run.imported[i] for run in runs[key]) for i in range(args.workers)]
            line += "   (app imported at " + ", ".join(f"{s:5.2f} s" for s in imported)
            parents = [run.parent for run in runs[key] if run.parent is not None]
            if parents:
                line += f"; parent started the workers at {statistics.median(parents):5.2f} s"
            line += ")"
        print(line)
    print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine is shared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
