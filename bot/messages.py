"""Channel-neutral message types that flow between the adapters and the conversation core."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DECISIONS = ("answer", "clarify", "fallback", "menu", "handoff", "emergency", "info")


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered to the user; `payload` comes back when it is pressed (at most 64 bytes)."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the user: text and optional buttons, rendered by each channel within its limits."""

    text: str
    buttons: tuple[Button, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the public turn object."""
        return {"text": self.text, "buttons": [{"label": b.label, "payload": b.payload} for b in self.buttons]}


def reply_from_dict(data: dict[str, Any]) -> Reply:
    """The Reply of a stored `Reply.to_dict()` (an outbox payload or a delivery's stored replies)."""
    buttons = tuple(Button(str(b["label"]), str(b["payload"])) for b in data.get("buttons") or ())
    return Reply(str(data.get("text") or ""), buttons)


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message from a user on any channel: free text or the payload of a pressed button."""

    channel: str
    user_id: str
    text: str | None = None
    button: str | None = None
    language_hint: str | None = None
    external_id: str | None = None
    # What the platform wants back to show the message was received (Telegram's callback query id); None: nothing.
    receipt: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry the matcher considered, with its score in 0..1."""

    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Turn:
    """The outcome of one incoming message: the decision, the evidence and the replies to send."""

    decision: str
    replies: tuple[Reply, ...]
    entry_id: str | None = None
    confidence: float = 0.0
    candidates: tuple[Candidate, ...] = field(default=())
    erased: bool = False  # the user deleted their data this turn: adapters record nothing more about them

    def to_dict(self, user: str) -> dict[str, Any]:
        """Return the public turn object of design §7.1."""
        return {
            "user": user,
            "decision": self.decision,
            "entry_id": self.entry_id if self.decision == "answer" else None,
            "confidence": round(self.confidence, 4),
            "candidates": [{"entry_id": c.entry_id, "score": round(c.score, 4)} for c in self.candidates],
            "replies": [r.to_dict() for r in self.replies],
        }
