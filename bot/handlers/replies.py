"""Reply building blocks several handlers share: menus, an answered entry, a country card, hotline text."""

from __future__ import annotations

from bot.handlers.context import Context, HandlerResult
from bot.i18n import N_
from bot.messages import Button, Candidate, Reply
from knowledge.render import render_answer
from knowledge.schema import EntryDoc

MAX_LABEL_CHARS = 60
MAX_RELATED = 3
MAX_SECTIONS = 7  # card sections + Menu + the two feedback buttons stay within ten buttons
PAGE_SIZE = 8  # submenu entries per page, leaving room for "More" and "Menu"
CONTACT_ENTRY = "pengaduan"
EMERGENCY_ENTRY = "darurat"

# (payload key, label, topics listed) in the order design §6 gives the main menu.
MAIN_MENU = (
    ("negara", N_("🌏 Destination countries"), ()),
    ("syarat", N_("📋 Requirements & documents"), ("requirements", "documents")),
    ("langkah", N_("🧭 Official steps"), ("procedure",)),
    ("biaya", N_("💰 Costs"), ("costs",)),
    ("waspada", N_("⚠️ Beware of scams"), ("safety", "rights")),
)
SUBMENU_TOPICS = {key: topics for key, _label, topics in MAIN_MENU if topics}
# Language names are written in their own language, so both catalogs would hold the same words.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def short(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """A button label cut to fit small phone screens."""
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def home_button(ctx: Context) -> Button:
    """The button back to the main menu."""
    return Button(ctx._("🏠 Menu"), "menu")


def person_button(ctx: Context) -> Button:
    """The button that asks for a person."""
    return Button(ctx._("🙋 Contact an officer"), "handoff")


def main_menu_buttons(ctx: Context) -> tuple[Button, ...]:
    """The main menu: topics, a person, and the other language."""
    other = "en" if ctx.locale == "id" else "id"
    return (
        *(Button(ctx._(label), f"menu:{key}") for key, label, _topics in MAIN_MENU),
        person_button(ctx),
        Button(f"🌐 {LANGUAGE_NAMES[other]}", f"lang:{other}"),
    )


def menu_result(ctx: Context, text: str) -> HandlerResult:
    """Show the main menu under `text`; going home also drops the country context."""
    ctx.state.country = None
    return HandlerResult("menu", (Reply(text, main_menu_buttons(ctx)),))


def entry_button(ctx: Context, entry: EntryDoc) -> Button:
    """A button that opens `entry`, labelled with its question in the user's language."""
    return Button(short(entry.text(ctx.locale).question), f"entry:{entry.id}")


def feedback_reply(ctx: Context, entry_id: str) -> Reply:
    """The 👍/👎 question after an answer."""
    return Reply(
        ctx._("Was this answer helpful?"),
        (Button(ctx._("👍 Yes"), f"fb:{entry_id}:1"), Button(ctx._("👎 No"), f"fb:{entry_id}:0")),
    )


def _related(ctx: Context, entry: EntryDoc) -> list[EntryDoc]:
    ids = list(entry.related)
    if not ids and len(entry.countries) == 1:
        country = ctx.snapshot.countries.get(entry.countries[0])
        ids = list(country.sections) if country else []
    found = [ctx.entry(i) for i in ids if i != entry.id]
    return [e for e in found if e is not None][:MAX_RELATED]


def answer_entry(
    ctx: Context, entry: EntryDoc, *, confidence: float = 1.0, candidates: tuple[Candidate, ...] = ()
) -> HandlerResult:
    """Give an entry's answer with related entries and the feedback question; a card shows its sections."""
    state = ctx.state
    state.last_entry = entry.id
    country = ctx.snapshot.country_of_card(entry.id)
    if country is not None:
        state.country = country.code
        following = [ctx.entry(i) for i in country.sections if i != entry.id]
        shown = [e for e in following if e is not None][:MAX_SECTIONS]
    else:
        if len(entry.countries) == 1 and entry.countries[0] in ctx.snapshot.countries:
            state.country = entry.countries[0]
        shown = _related(ctx, entry)
    buttons = (*(entry_button(ctx, e) for e in shown), home_button(ctx))
    answer = Reply(render_answer(entry, ctx.locale), buttons)
    return HandlerResult(
        "answer",
        (answer, feedback_reply(ctx, entry.id)),
        entry_id=entry.id,
        confidence=confidence,
        candidates=candidates or (Candidate(entry.id, confidence),),
    )


def contact_text(ctx: Context) -> str:
    """Where to reach a person: the complaint entry's answer (content, kept current by editors) and the hours."""
    entry = ctx.entry(CONTACT_ENTRY)
    body = render_answer(entry, ctx.locale) if entry else ctx._(
        "KP2MI call centre: 0800-1000 (free, 24 hours) · from abroad +62 21 2924 4800. "
        "Ministry of Foreign Affairs (citizen protection, 24 hours): +62 812 9007 0027."
    )
    hours = ctx._("Our officers answer in chat: {hours}.").format(
        hours=ctx.settings.hotline_hours.text(ctx.locale)
    )
    return f"{body}\n\n{hours}"


def emergency_text(ctx: Context) -> str:
    """The emergency numbers: the emergency entry's answer, or the national hotlines if it is missing."""
    entry = ctx.entry(EMERGENCY_ENTRY)
    if entry is not None:
        return render_answer(entry, ctx.locale)
    return ctx._(
        "Call now: KP2MI 0800-1000 (free in Indonesia, 24 hours), from abroad +62 21 2924 4800. "
        "Ministry of Foreign Affairs, 24 hours: +62 812 9007 0027."
    )
