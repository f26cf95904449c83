"""A tiny server-side chart helper: bar and line charts as inline SVG.

Readable and printable (plain colours, real text, no script), accessible (role="img" with a
<title> and a <desc> listing the numbers). Every value is escaped."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import count

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2f6fde", "#e07b39", "#3f9b5a", "#8e5bd6", "#c0392b"]
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 34, 44
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value * 100:.0f}%"
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"


def _frame(title: str, labels: Sequence[str], series: Sequence[Series], unit: str) -> tuple:
    uid = f"chart{next(_ids)}"
    rows = "; ".join(
        f"{s.name}: "
        + ", ".join(f"{lab} {_fmt(v, unit)}" for lab, v in zip(labels, s.values, strict=False))
        for s in series
    )
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(rows)}</desc>'
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="600" fill="#102a43" '
        f'aria-hidden="true">{escape(title)}</text>'
    )
    return head, uid


def _axes(top: float, unit: str, labels: Sequence[str], slot: float) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#52606d">{escape(_fmt(value, unit))}</text>'
        )
    every = max(1, math.ceil(len(labels) / 12))  # at most a dozen labels on the axis
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = LEFT + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="12" '
            f'fill="#52606d">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#9aa5b1"/>'
    )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], LEFT
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 7}" font-size="12" fill="#1f2933">'
            f"{escape(s.name)}</text>"
        )
        x += 24 + 7 * len(s.name)
    return parts


def _top(series: Sequence[Series], unit: str) -> float:
    peak = max((v for s in series for v in s.values if v is not None), default=0)
    return 1.0 if unit == "%" else _nice_max(peak)


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], unit: str = ""
) -> SafeString:
    head, _uid = _frame(title, labels, series, unit)
    top = _top(series, unit)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    plot_h = HEIGHT - TOP - BOTTOM
    # Bars no wider than 56 units, so a chart of one or two weeks does not turn into a wall.
    bar_w = max(1.0, min(56.0, slot * 0.8 / max(1, len(series))))
    pad = (slot - bar_w * len(series)) / 2
    parts = [head, *_axes(top, unit, labels, slot)]
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        for i, value in enumerate(s.values):
            if not value:
                continue
            h = plot_h * min(value, top) / top
            x = LEFT + slot * i + pad + bar_w * si
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(labels[i])} · '
                f"{escape(s.name)}: {escape(_fmt(value, unit))}</title></rect>"
            )
    parts += [*_legend(series), "</svg>"]
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], unit: str = ""
) -> SafeString:
    head, _uid = _frame(title, labels, series, unit)
    top = _top(series, unit)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [head, *_axes(top, unit, labels, slot)]
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        points = [
            (LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * min(v, top) / top, v, i)
            for i, v in enumerate(s.values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v, _i in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y, v, i in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(labels[i])} · {escape(s.name)}: {escape(_fmt(v, unit))}</title></circle>"
            )
    parts += [*_legend(series), "</svg>"]
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
