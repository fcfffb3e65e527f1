"""The small neutral markup of content and UI messages, parsed once into spans that each channel renders.

The markup is what the content already uses (and WhatsApp's own markers)::

    *bold*   _italic_   [label](https://example.org)   • bullet (a line starting "- " or "* " is one too)
    \\*  \\_  \\[  \\\\   a literal character (`escape` writes these for user and staff text)

A marker counts only around a word (`*gratis*`, not `2*3*4` or `snake_case_name`) and never across a
line, so a text cut at a line break never breaks a style. Telegram renders spans as HTML, WhatsApp as
its markers, the terminal as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_SPECIAL = re.compile(r"([\\*_\[\]~`])")
_LEADING_DASH = re.compile(r"(?m)^([ \t]*)([-•])")
# Every branch starts with its literal character (the look-behind comes after it), so the scan skips
# plain text fast: a typical answer parses in tens of microseconds.
_TOKEN = re.compile(
    r"\\(?P<escaped>[\\*_\[\]()~`•-])"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>(?:https?://|tel:|mailto:)[^\s()]+)\)"
    r"|\*(?<![\w*]\*)(?P<bold>[^\s*](?:[^*\n]*?[^\s*\\])?)\*(?![\w*])"
    r"|_(?<![\w_]_)(?P<italic>[^\s_](?:[^_\n]*?[^\s_\\])?)_(?![\w_])"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style; `url` makes it a link whose label is `text`."""

    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None


def escape(text: str) -> str:
    """`text` as literal markup: a user's or officer's words are shown as written, never styled."""
    return _LEADING_DASH.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", text))


def parse(text: str) -> tuple[Span, ...]:
    """The spans of a marked-up text, in order (adjacent plain runs merged)."""
    spans: list[Span] = []
    _parse(_bullets(text), False, False, spans)
    return tuple(spans)


def _bullets(text: str) -> str:
    """A line starting "- " or "* " as a "• " line (same length, so indexes into `text` still hold)."""
    if "- " not in text and "* " not in text and "-\t" not in text and "*\t" not in text:
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines):
        body = line.lstrip(" \t")
        if body[:1] in ("-", "*") and body[1:2] in (" ", "\t"):
            lines[number] = line[: len(line) - len(body)] + "•" + body[1:]
    return "\n".join(lines)


def _parse(text: str, bold: bool, italic: bool, out: list[Span]) -> None:
    def add(piece: str, url: str | None = None) -> None:
        if not piece:
            return
        last = out[-1] if out else None
        if last is not None and url is None and last.url is None and (last.bold, last.italic) == (bold, italic):
            out[-1] = Span(last.text + piece, bold=bold, italic=italic)
        else:
            out.append(Span(piece, bold=bold, italic=italic, url=url))

    at = 0
    for found in _TOKEN.finditer(text):
        add(text[at:found.start()])
        at = found.end()
        if found["escaped"] is not None:
            add(found["escaped"])
        elif found["url"] is not None:
            add(_unescaped(found["label"]), url=found["url"])
        elif found["bold"] is not None:
            _parse(found["bold"], True, italic, out)
        else:
            _parse(found["italic"], bold, True, out)
    add(text[at:])


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def render(text: str, span: Callable[[Span], str]) -> str:
    """Render a marked-up text span by span with a channel's `span` function."""
    return "".join(span(s) for s in parse(text))


def plain_span(span: Span) -> str:
    """A span as plain text: no markers; a link as "label (url)" unless the label is the address."""
    if span.url and span.url not in span.text:
        return f"{span.text} ({span.url})"
    return span.text


def plain(text: str) -> str:
    """A marked-up text without any markers (the terminal; a preview in a staff post)."""
    return render(text, plain_span)


def safe_cut(text: str) -> Callable[[int], bool]:
    """For `text`, whether a cut at an index keeps every styled run and escape whole."""
    inside: list[tuple[int, int]] | None = None

    def can_cut(index: int) -> bool:
        nonlocal inside
        if inside is None:  # only a text long enough to be cut needs the runs
            inside = [(found.start(), found.end()) for found in _TOKEN.finditer(_bullets(text))]
        return not any(start < index < end for start, end in inside)

    return can_cut


__all__ = ["Span", "escape", "parse", "plain", "plain_span", "render", "safe_cut"]
