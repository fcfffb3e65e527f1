"""What every channel adapter shares: the one text splitter."""

from __future__ import annotations

from collections.abc import Callable

from bot.channels.text import utf16_prefix, utf16_units

# Where a long text is cut, best first; ". " keeps a sentence whole when a paragraph has no line break.
_SEPARATORS = ("\n\n", "\n", ". ", " ")


def _last_separator(window: str, separator: str, can_cut: Callable[[int], bool]) -> int:
    """The last place in `window` to cut at `separator` (index after a ". ", before the others), or -1."""
    at = window.rfind(separator)
    # A boundary in the first quarter would leave a stub of a message; a finer boundary is better.
    while at >= max(1, len(window) // 4):
        cut = at + (1 if separator == ". " else 0)
        if can_cut(cut):
            return cut
        at = window.rfind(separator, 0, at)
    return -1


def _cut(window: str, can_cut: Callable[[int], bool]) -> int:
    """Where to end the part that `window` starts: the best boundary `can_cut` allows, else any, else hard."""
    for check in (can_cut, lambda _index: True):  # the second round: a styled run longer than a message
        for separator in _SEPARATORS:
            cut = _last_separator(window, separator, check)
            if cut > 0:
                return cut
    return len(window)  # one unbroken run longer than a message


def split_text(text: str, limit: int, *, can_cut: Callable[[int], bool] | None = None) -> list[str]:
    """Cut `text` into parts of at most `limit` UTF-16 units at a paragraph, line, sentence or word boundary.

    `can_cut(index)` (an index into `text`) refuses cuts inside something that must stay whole, such as a
    styled run of markup (`bot.markup.safe_cut`).
    """
    allowed = can_cut or (lambda _index: True)
    offset = len(text) - len(text.lstrip())  # where `rest` starts in `text`
    rest = text.strip()
    parts: list[str] = []
    while utf16_units(rest) > limit:
        cut = _cut(rest[: utf16_prefix(rest, limit)], lambda index, start=offset: allowed(start + index))
        if part := rest[:cut].rstrip():
            parts.append(part)
        kept = rest[cut:].lstrip()
        offset += len(rest) - len(kept)
        rest = kept
    if rest or not parts:
        parts.append(rest)
    return parts


__all__ = ["split_text"]
