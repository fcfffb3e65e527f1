"""Reply building blocks several handlers share: menus, an answered entry, a country card, hotline text."""

from __future__ import annotations

from bot.handlers.context import Context, HandlerResult
from bot.i18n import N_
from bot.messages import Button, Candidate, Reply
from knowledge.intents import danger_verdict
from knowledge.render import render_answer, source_line
from knowledge.schema import CountryDoc, EmergencyContact, EntryDoc

MAX_LABEL_CHARS = 60
MAX_RELATED = 3
MAX_SECTIONS = 7  # card sections + Menu + the two feedback buttons stay within ten buttons
PAGE_SIZE = 8  # submenu entries per page, leaving room for "More" and "Menu"
CONTACT_ENTRY = "pengaduan"
EMERGENCY_ENTRY = "darurat"
SOS_PAYLOAD = "sos"  # the emergency numbers button; "sos:HK" gives Hong Kong's
MAX_WHERE_BUTTONS = 6
CODES_THAT_ARE_WORDS = frozenset({"my", "it"})

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
    if entry.id == EMERGENCY_ENTRY:
        # Asked for the emergency numbers: the ones for where the user is, not a list for everywhere.
        body = f"{emergency_text(ctx, emergency_country(ctx))}\n\n📄 {source_line(entry, ctx.locale)}"
    else:
        body = render_answer(entry, ctx.locale)
        buttons = (*danger_offer(ctx), *buttons)
    answer = Reply(body, buttons)
    return HandlerResult(
        "answer",
        (answer, feedback_reply(ctx, entry.id)),
        entry_id=entry.id,
        confidence=confidence,
        candidates=candidates or (Candidate(entry.id, confidence),),
    )


def contact_text(ctx: Context, *, chat_hours: bool = True) -> str:
    """Where to reach a person: the complaint entry's answer (content, kept current by editors) and, where
    officers answer in the chat, their hours."""
    entry = ctx.entry(CONTACT_ENTRY)
    body = render_answer(entry, ctx.locale) if entry else ctx._(
        "KP2MI call centre: 0800-1000 (free, 24 hours) · from abroad +62 21 2924 4800. "
        "Ministry of Foreign Affairs (citizen protection, 24 hours): +62 812 9007 0027."
    )
    if not chat_hours:
        return body
    hours = ctx._("Our officers answer in chat: {hours}.").format(
        hours=ctx.settings.hotline_hours.text(ctx.locale)
    )
    return f"{body}\n\n{hours}"


def named_countries(ctx: Context) -> list[str]:
    """Countries named in the typed message, leaving out country codes that are also English words."""
    if not ctx.text or ctx.button:
        return []
    matcher = ctx.snapshot.matcher
    # "my employer…" is not Malaysia, "it hurts" not Italy: a person in danger must get the right police.
    surface = [w for w in matcher.normalizer.analyse(ctx.text).surface if w not in CODES_THAT_ARE_WORDS]
    return [c for c in matcher.countries_in(surface) if c in ctx.snapshot.countries]


def emergency_country(ctx: Context) -> CountryDoc | None:
    """The country whose help a person in danger needs: named in this message, else the one chosen before."""
    named = named_countries(ctx)
    code = named[0] if named else ctx.state.country
    return ctx.snapshot.countries.get(code) if code else None


def _contact_line(ctx: Context, icon: str, contact: EmergencyContact) -> str:
    name = contact.name.get(ctx.locale) or contact.name["id"]
    note = (contact.note.get(ctx.locale) or contact.note.get("id")) if contact.note else None
    if contact.number and note:
        return f"{icon} {name}: *{contact.number}* ({note})"
    return f"{icon} {name}: *{contact.number}*" if contact.number else f"{icon} {name}: {note}"


def local_help_lines(ctx: Context, country: CountryDoc) -> list[str]:
    """The country's own numbers first (police, ambulance, worker hotline), then its Indonesian office."""
    name = country.name(ctx.locale)
    help_ = country.emergency
    lines: list[str] = []
    if help_ is not None and help_.police and help_.ambulance and help_.ambulance != help_.police:
        lines.append(ctx._("🚓 {country}: police {police} · ambulance and fire {ambulance}").format(
            country=name, police=f"*{help_.police}*", ambulance=f"*{help_.ambulance}*"))
    elif help_ is not None and help_.police:
        lines.append(ctx._("🚓 {country}: police and ambulance {number}").format(
            country=name, number=f"*{help_.police}*"))
    else:
        lines.append(ctx._("🚓 {country}: call the local police and the nearest Indonesian embassy or "
                           "consulate.").format(country=name))
    if help_ is not None:
        lines += [_contact_line(ctx, "📞", c) for c in help_.hotlines]
        lines += [_contact_line(ctx, "🇮🇩", c) for c in help_.offices]
    return lines


def _helped_countries(ctx: Context) -> list[CountryDoc]:
    """Countries with emergency numbers, those with the most ways to get help first (the main destinations)."""
    def ways(country: CountryDoc) -> int:
        help_ = country.emergency
        return bool(help_.police) + len(help_.hotlines) + len(help_.offices) if help_ else 0

    helped = [c for c in ctx.snapshot.countries.values() if c.emergency is not None]
    return sorted(helped, key=lambda c: (-ways(c), c.code))


def police_everywhere_line(ctx: Context) -> str:
    """Every destination's police number on one line, grouped by number (for a user who has not said where)."""
    by_number: dict[str, list[str]] = {}
    for country in _helped_countries(ctx):
        if country.emergency is not None and country.emergency.police:
            by_number.setdefault(country.emergency.police, []).append(country.name(ctx.locale))
    groups = " · ".join(f"*{number}* {', '.join(names)}" for number, names in by_number.items())
    return ctx._("🚓 Local police: {numbers}").format(numbers=groups)


def emergency_text(ctx: Context, country: CountryDoc | None) -> str:
    """The emergency numbers, local help first: the country's own numbers and office, then Indonesia's hotlines.

    Indonesia's hotlines are the emergency entry's answer (content, kept current by editors); without a
    country, every destination's police number and a question where the user is stand around them.
    """
    entry = ctx.entry(EMERGENCY_ENTRY)
    national = entry.text(ctx.locale).answer.strip() if entry else ctx._(
        "Call now: KP2MI 0800-1000 (free in Indonesia, 24 hours), from abroad +62 21 2924 4800. "
        "Ministry of Foreign Affairs, 24 hours: +62 812 9007 0027."
    )
    if country is not None:
        return "\n".join([*local_help_lines(ctx, country), national])
    where = ctx._("📍 Where are you now? Choose the country and I will send its own emergency numbers.")
    return f"{police_everywhere_line(ctx)}\n{national}\n\n{where}"


def where_buttons(ctx: Context) -> tuple[Button, ...]:
    """One button per country with emergency numbers, to say where the user is."""
    countries = _helped_countries(ctx)[:MAX_WHERE_BUTTONS]
    return tuple(Button(c.name(ctx.locale), f"{SOS_PAYLOAD}:{c.code}") for c in countries)


def emergency_offer_button(ctx: Context) -> Button:
    """The button that shows the emergency numbers (offered beside answers that mention danger)."""
    return Button(ctx._("🆘 Emergency numbers"), SOS_PAYLOAD)


def danger_offer(ctx: Context) -> tuple[Button, ...]:
    """The emergency numbers button when the message speaks of danger (a question, not a person in it)."""
    return (emergency_offer_button(ctx),) if mentions_danger(ctx) else ()


def mentions_danger(ctx: Context) -> bool:
    """True when the typed message speaks of danger (a question about it, or a person in it)."""
    if not ctx.text or ctx.button:
        return False
    normalizer = ctx.snapshot.matcher.normalizer
    return danger_verdict(normalizer.analyse(ctx.text).surface, normalizer.base_tokens(ctx.text)).mentions_danger
