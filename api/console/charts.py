"""Server-side SVG charts: stacked bars per day, with a text alternative (no script, no chart library)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe–Ito: told apart by people with the common colour-vision deficiencies.
DECISION_COLOURS = {"answer": "#009E73", "clarify": "#56B4E9", "fallback": "#D55E00", "handoff": "#CC79A7",
                    "emergency": "#E69F00", "menu": "#0072B2", "info": "#999999"}
CHANNEL_COLOURS = {"telegram": "#0072B2", "whatsapp": "#009E73", "cli": "#999999", "api": "#E69F00"}
OTHER = "#666666"
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 40, 28, 10


@dataclass(frozen=True)
class Layer:
    """One stacked series: its name, colour and a value per day."""

    name: str
    colour: str
    values: list[int]


def layers_of(per_day: list[dict[str, int]], colours: dict[str, str]) -> list[Layer]:
    """Stack layers from per-day counts, the known keys in palette order and any others after them."""
    keys = [k for k in colours if any(day.get(k) for day in per_day)]
    keys += sorted({k for day in per_day for k in day} - set(keys))
    return [Layer(k, colours.get(k, OTHER), [day.get(k, 0) for day in per_day]) for k in keys]


def _nice_ceiling(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000):
        if value <= step * 4:
            return step * 4
    return value


def stacked_bars(days: list[dt.date], layers: list[Layer], *, label: str) -> Markup:
    """An SVG bar per day, its layers stacked; `label` names the chart for screen readers."""
    top = _nice_ceiling(max([sum(values) for values in zip(*(ly.values for ly in layers), strict=True)] or [0]))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(1, len(days))
    bar = max(1.0, slot * 0.7)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for tick in range(5):
        value = top * tick // 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dddddd"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#333333">{value}</text>')
    every = max(1, len(days) // 8)
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar) / 2
        base: float = TOP + plot_h
        for layer in layers:
            count = layer.values[index]
            if not count:
                continue
            height = plot_h * count / top if top else 0
            base -= height
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                         f'fill="{layer.colour}"><title>{day.isoformat()} {escape(layer.name)}: {count}</title></rect>')
        if index % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 10}" font-size="11" text-anchor="middle" '
                         f'fill="#333333">{day.day}/{day.month}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def swatch(colour: str) -> Markup:
    """A small square of `colour` for a legend (SVG, since the CSP allows no inline styles)."""
    return Markup(f'<svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="{escape(colour)}"/>'
                  "</svg>")
