"""Greetings, the main menu, and the submenus of countries and topics."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import Button, IncomingMessage, Reply
from knowledge.schema import EntryDoc


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Show the main menu for /start, "menu", a greeting or the Menu button; a submenu for menu:<topic>."""
    kind, arg = button_parts(ctx)
    if kind == "menu" and arg:
        key, _sep, page = arg.partition(":")
        if key == "negara":
            return _countries(ctx, int(page) if page.isdecimal() else 0)
        if key in replies.SUBMENU_TOPICS:
            return _topic(ctx, key, int(page) if page.isdecimal() else 0)
        return replies.menu_result(ctx, _welcome(ctx))
    if kind == "menu" or ctx.command == "menu" or (ctx.text and not ctx.button and ctx.match().greeting):
        return replies.menu_result(ctx, _welcome(ctx))
    return None


def _welcome(ctx: Context) -> str:
    return ctx._(
        "👋 Welcome to Desmigratif Info, the information desk for prospective migrant workers. "
        "Choose a topic below, or just type your question."
    )


def _countries(ctx: Context, page: int) -> HandlerResult:
    countries = [c for c in ctx.snapshot.countries.values() if ctx.entry(c.card)]
    # The best-documented destinations (also the most common ones) first, so they fit on the first page.
    countries.sort(key=lambda c: (-sum(1 for i in c.sections if i in ctx.snapshot.entries), c.name(ctx.locale)))
    if not countries:
        text = ctx._("Sorry, there is no country information yet.")
        return HandlerResult("menu", (Reply(text, replies.main_menu_buttons(ctx)),))
    buttons = [Button(replies.short(c.name(ctx.locale)), f"country:{c.code}") for c in countries]
    text = ctx._("Which country do you want to work in? Choose one, or type its name.")
    return HandlerResult("menu", (Reply(text, _page(ctx, buttons, "negara", page)),))


def _page(ctx: Context, buttons: list[Button], key: str, page: int) -> tuple[Button, ...]:
    pages = max(1, -(-len(buttons) // replies.PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = buttons[page * replies.PAGE_SIZE : (page + 1) * replies.PAGE_SIZE]
    if page + 1 < pages:
        shown.append(Button(ctx._("➡️ More"), f"menu:{key}:{page + 1}"))
    return (*shown, replies.home_button(ctx))


def _topic_entries(ctx: Context, topics: tuple[str, ...]) -> list[EntryDoc]:
    entries = [e for e in ctx.snapshot.entries.values() if e.topic in topics]
    # Country-specific entries are reached through their country card; list the general ones here.
    general = [e for e in entries if not e.countries]
    return sorted(general or entries, key=lambda e: (topics.index(e.topic), e.text(ctx.locale).question))


def _topic(ctx: Context, key: str, page: int) -> HandlerResult:
    entries = _topic_entries(ctx, replies.SUBMENU_TOPICS[key])
    if not entries:
        text = ctx._("Sorry, there is no information on this topic yet.")
        return HandlerResult("menu", (Reply(text, replies.main_menu_buttons(ctx)),))
    buttons = [replies.entry_button(ctx, e) for e in entries]
    text = ctx._("Choose a question, or type your own:")
    return HandlerResult("menu", (Reply(text, _page(ctx, buttons, key, page)),))
