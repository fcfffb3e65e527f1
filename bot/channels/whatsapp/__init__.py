"""The WhatsApp channel: the only package that speaks the WhatsApp Business Cloud API's wire format.

`webhook` (signature, parsing, numbered choices), `render` (a turn within WhatsApp's limits), `client`
(the Graph API on httpx, with retries) and `channel` (the `Channel`). Delivery statuses and the 24-hour
window are in `bot.channels.whatsapp_status`.
"""

from bot.channels.base import RetryPolicy
from bot.channels.whatsapp.channel import TEXT_ONLY, StaffSend, WhatsAppChannel
from bot.channels.whatsapp.client import OUTSIDE_WINDOW_CODE, GraphClient, SendError, wamid_of
from bot.channels.whatsapp.render import (
    MAX_BUTTON_TITLE,
    MAX_INTERACTIVE_BODY,
    MAX_LIST_ROWS,
    MAX_REPLY_BUTTONS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_TEXT,
    Rendered,
    Strings,
    clip,
    render_text,
    render_turn,
    text_messages,
    text_parts,
)
from bot.channels.whatsapp.webhook import (
    CHANNEL,
    BadSignature,
    Inbound,
    MissingSignature,
    SignatureError,
    WhatsAppError,
    incoming_from,
    load_choices,
    parse_update,
    pick,
    save_choices,
    signature_of,
    to_incoming,
    verify_signature,
    verify_token_matches,
)

__all__ = [
    "CHANNEL", "MAX_BUTTON_TITLE", "MAX_INTERACTIVE_BODY", "MAX_LIST_ROWS", "MAX_REPLY_BUTTONS",
    "MAX_ROW_DESCRIPTION", "MAX_ROW_TITLE", "MAX_TEXT", "OUTSIDE_WINDOW_CODE", "TEXT_ONLY", "BadSignature",
    "GraphClient", "Inbound", "MissingSignature", "Rendered", "RetryPolicy", "SendError", "SignatureError",
    "StaffSend", "Strings", "WhatsAppChannel", "WhatsAppError", "clip", "incoming_from", "load_choices",
    "parse_update", "pick", "render_text", "render_turn", "save_choices", "signature_of", "text_messages",
    "text_parts", "to_incoming", "verify_signature", "verify_token_matches", "wamid_of",
]
