"""Try a question against the live knowledge (or drafts too) and see the turn with candidates and scores."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AnyToken, DraftsDep, RuntimeDep, role
from api.routes.admin.common import AUTH_ERRORS
from api.schemas import AskIn, TurnOut
from bot.core import Conversation
from bot.messages import IncomingMessage
from bot.state import ConversationState, MemoryStateStore

router = APIRouter(tags=["ask"], responses=AUTH_ERRORS)
CHANNEL = "api"
USER = "ask"


@router.post("/ask", response_model=TurnOut, summary="Try a question (any)", **role("any"))
def ask(body: AskIn, runtime: RuntimeDep, drafts: DraftsDep, _token: AnyToken) -> dict[str, Any]:
    """Answer as the bot would, without state or logging; `include_drafts` matches drafts too."""
    snapshot = drafts.get if body.include_drafts else runtime.snapshots.get
    # A fresh in-memory state per call: trying questions must not touch anyone's conversation, and the
    # default (null) recorder keeps editors' tries out of the unanswered queue and the stats.
    store = MemoryStateStore()
    if body.country:
        store.save(ConversationState(CHANNEL, USER, country=body.country))
    conversation = Conversation(snapshot, store, settings=runtime.settings.bot)
    turn = conversation.handle(IncomingMessage(channel=CHANNEL, user_id=USER, text=body.text,
                                               language_hint=body.lang))
    return turn.to_dict(USER)
