"""The Telegram channel on python-telegram-bot: the only package that imports `telegram`.

`parse` (updates in), `render` (HTML and keyboards out), `channel` (the `Channel`: send one payload with
retries) and `deploy` (the Application, polling, setWebhook). The HTTP route and the CLI in `api/` use it
through these names.
"""

from telegram import Update

from bot.channels.base import RetryPolicy, SendFailed
from bot.channels.telegram.channel import TelegramChannel, error_code, retry_after_seconds
from bot.channels.telegram.deploy import (
    ALLOWED_UPDATES,
    BOT_COMMANDS,
    SECRET_RE,
    UpdateHandler,
    build_application,
    create_channel,
    delete_webhook,
    register_commands,
    set_webhook,
    start_polling,
    stop_polling,
)
from bot.channels.telegram.parse import (
    CHANNEL,
    MalformedUpdate,
    RejectedUpdate,
    StaffMessage,
    TelegramChannelError,
    check_fields,
    parse_update,
    staff_message,
    to_incoming,
)
from bot.channels.telegram.render import (
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE_UNITS,
    fitting_buttons,
    fold_replies,
    html_span,
    keyboard,
    message_parts,
    payloads,
    render_html,
)

__all__ = [
    "ALLOWED_UPDATES", "BOT_COMMANDS", "CHANNEL", "MAX_CALLBACK_BYTES", "MAX_MESSAGE_UNITS", "SECRET_RE",
    "MalformedUpdate", "RejectedUpdate", "RetryPolicy", "SendFailed", "StaffMessage", "TelegramChannel",
    "TelegramChannelError", "Update", "UpdateHandler", "build_application", "check_fields", "create_channel", "delete_webhook", "error_code",
    "fitting_buttons", "fold_replies", "html_span", "keyboard", "message_parts", "parse_update", "payloads",
    "register_commands", "render_html", "retry_after_seconds", "set_webhook", "staff_message", "start_polling",
    "stop_polling", "to_incoming",
]
