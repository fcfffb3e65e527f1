"""The terminal channel: the JSONL protocol (in process and as the installed command) and the interactive chat."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.channels.console import run_interactive, run_jsonl
from bot.core import Conversation
from bot.messages import DECISIONS

TURN_KEYS = {"user", "decision", "entry_id", "confidence", "candidates", "replies"}


def _run(conversation: Conversation, lines: list[str]) -> list[dict]:
    stdout = io.StringIO()
    assert run_jsonl(conversation, io.StringIO("\n".join(lines) + "\n"), stdout) == 0
    out = stdout.getvalue().splitlines()
    return [json.loads(line) for line in out]


def test_jsonl_one_output_line_per_input_line(memory_conversation: Conversation) -> None:
    lines = [
        json.dumps({"user": "u", "text": "/start"}),
        "",
        "   ",
        "not json",
        "[1, 2]",
        json.dumps({"text": "no user"}),
        json.dumps({"user": "u"}),
        json.dumps({"user": "u", "text": 5}),
        json.dumps({"user": 7, "text": "halo"}),
        json.dumps({"user": "u", "button": "menu:negara", "lang": "en"}),
        "[" * 100_000,
        json.dumps({"user": "u", "text": "\x00\u202e😀" * 3000}),
    ]
    out = _run(memory_conversation, lines)
    assert len(out) == len([line for line in lines if line.strip()])
    for obj in out:
        assert set(obj) >= TURN_KEYS
        assert obj["decision"] in DECISIONS
        assert obj["replies"] and all(isinstance(r["text"], str) for r in obj["replies"])
    assert out[0]["decision"] == "menu" and out[0]["user"] == "u"
    errors = [o for o in out if "error" in o]
    assert len(errors) == 6
    assert [o["user"] for o in errors] == [None, None, None, "u", "u", None]
    assert out[6]["user"] == "7"
    assert out[7]["decision"] == "menu"


def test_jsonl_follows_the_turn_object_shape(memory_conversation: Conversation) -> None:
    [obj] = _run(memory_conversation, [json.dumps({"user": "u1", "button": "entry:paspor-pmi"})])
    assert obj["decision"] == "answer" and obj["entry_id"] == "paspor-pmi"
    assert obj["candidates"] == [{"entry_id": "paspor-pmi", "score": 1.0}]
    assert all(set(b) == {"label", "payload"} for r in obj["replies"] for b in r["buttons"])


def test_desmigratif_chat_jsonl_as_a_process(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("desmigratif")
    lines = [
        {"user": "u", "text": "taiwan"},
        {"user": "u", "text": "gajinya berapa"},
        "{broken",
        {"user": "u", "button": "menu"},
        {"user": "v", "text": "what documents do I need", "lang": "en"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n\n"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"}
    done = subprocess.run([str(command), "chat", "--jsonl"], input=stdin, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["entry_id"] == "negara-taiwan"
    assert out[1]["decision"] in ("answer", "clarify")
    assert out[2]["user"] is None and "error" in out[2]
    assert out[3]["decision"] == "menu"
    assert out[4]["user"] == "v"


def test_interactive_chat_numbers_the_choices(memory_conversation: Conversation) -> None:
    stdout = io.StringIO()
    # "1" picks the first menu button (countries), "2" the second country, then quit.
    code = run_interactive(memory_conversation, user="t", lang="id", stdin=io.StringIO("1\n2\n/quit\n"),
                           stdout=stdout)
    shown = stdout.getvalue()
    assert code == 0
    assert "[1] 🌏 Negara tujuan" in shown
    assert "Ingin bekerja di negara mana?" in shown
    assert "📄 Sumber:" in shown


def test_interactive_chat_ends_on_eof_in_english(memory_conversation: Conversation) -> None:
    stdout = io.StringIO()
    assert run_interactive(memory_conversation, user="t2", lang="en", stdin=io.StringIO("hello\n²\n99\n\n"),
                           stdout=stdout) == 0
    assert "Welcome to Desmigratif Info" in stdout.getvalue()


def test_petugas_in_the_terminal_promises_no_officer_and_gives_the_hotlines(
    memory_conversation: Conversation,
) -> None:
    out = _run(memory_conversation, [json.dumps({"user": "t-petugas", "text": "/petugas"}),
                                     json.dumps({"user": "t-staff", "text": "/petugas", "lang": "en"})])
    indonesian, english = ("\n".join(r["text"] for r in o["replies"]) for o in out)
    assert "mode terminal tidak ada petugas" in indonesian
    assert "No officer is connected in terminal mode" in english
    for text in (indonesian, english):
        # The numbers come from the complaint-channels entry of the content.
        assert "0800-1000" in text and "+62 21 2924 4800" in text
        assert "Senin–Jumat" not in text and "Mon–Fri" not in text, "no chat hours: nobody answers here"
