"""Charts as inline SVG, drawn on the server: labelled axes, the values written on the
chart, a title and a description for screen readers; no script, so a printout or a
saved page shows every number. The UI's overview and the simulation report both use
these."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["PALETTE", "bar_chart", "funnel_chart", "hour_label"]

# Okabe and Ito's palette: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _ticks(peak: int, count: int = 5) -> list[int]:
    """Round tick values from 0 to at least `peak` (1, 2 or 5 times a power of ten)."""
    if peak <= 0:
        return [0, 1]
    raw = peak / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    return [index * step for index in range(math.ceil(peak / step) + 1)]


def hour_label(bucket: str) -> tuple[str, str]:
    """('20:00', '2025-01-06') from an hour bucket '2025-01-06T20:00Z'; a day bucket
    '2025-01-06' gives ('01-06', '2025')."""
    if "T" in bucket:
        day, _, time = bucket.partition("T")
        return time[:5], day
    return bucket[5:], bucket[:4]


def bar_chart(buckets: Sequence[str], series: dict[str, Sequence[int]], *, title: str,
              x_label: str, y_label: str, width: int = 880, height: int = 280) -> Markup:
    """Bars over `buckets`, stacked by series (one colour each, with a legend), with a
    y axis of round ticks, an x axis labelled often enough to read (a date under the
    first hour of each day), and each bar's total written above it when it fits."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(buckets))]
    if not buckets:
        return Markup(f'<p class="empty">{escape(title)}: nothing yet.</p>')
    ticks = _ticks(max(totals))
    top = ticks[-1] or 1
    left, right, upper, lower = 56, 12, 30 if len(series) > 1 else 12, 58
    plot_w, plot_h = width - left - right, height - upper - lower
    step = plot_w / len(buckets)
    bar_w = max(step * 0.8, 1)
    peak_at = buckets[totals.index(max(totals))]
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img"'
             f' aria-label="{escape(title)}"><title>{escape(title)}</title>'
             f'<desc>{escape(_describe(buckets, totals, peak_at, series))}</desc>']
    for value in ticks:  # y axis: gridlines and labels
        y = upper + plot_h - value / top * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"'
                     f' stroke="#d0d0d0" stroke-width="{1 if value else 1.5}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
                     f'{value:,}</text>')
    parts.append(f'<text transform="translate(14 {upper + plot_h / 2:.0f}) rotate(-90)"'
                 f' text-anchor="middle" {_FONT} font-weight="600">{escape(y_label)}</text>')
    every = max(1, math.ceil(len(buckets) / max(1, plot_w // 56)))
    show_values = step >= 26
    last_day = None
    for index, bucket in enumerate(buckets):
        x = left + index * step + (step - bar_w) / 2
        base = float(upper + plot_h)
        for (name, values), colour in zip(series.items(), PALETTE * 4, strict=False):
            h = values[index] / top * plot_h
            if h > 0:
                base -= h
                parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}"'
                             f' height="{h:.1f}" fill="{colour}"><title>{escape(bucket)}'
                             f' {escape(name)}: {values[index]:,}</title></rect>')
        if show_values and totals[index]:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{base - 3:.1f}"'
                         f' text-anchor="middle" {_FONT}>{totals[index]:,}</text>')
        time, day = hour_label(bucket)
        if index % every == 0:
            cx = x + bar_w / 2
            parts.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{upper + plot_h}"'
                         f' y2="{upper + plot_h + 4}" stroke="#555"/>'
                         f'<text x="{cx:.1f}" y="{upper + plot_h + 16}" text-anchor="middle"'
                         f' {_FONT}>{escape(time)}</text>')
            if day != last_day:
                parts.append(f'<text x="{cx:.1f}" y="{upper + plot_h + 30}"'
                             f' text-anchor="middle" {_FONT} fill="#444">{escape(day)}</text>')
                last_day = day
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle"'
                 f' {_FONT} font-weight="600">{escape(x_label)}</text>')
    if len(series) > 1:
        x = left
        for (name, values), colour in zip(series.items(), PALETTE * 4, strict=False):
            label = f"{name} ({sum(values):,})"
            parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                         f'<text x="{x + 16}" y="16" {_FONT}>{escape(label)}</text>')
            x += 28 + 7 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))


def _describe(buckets: Sequence[str], totals: list[int], peak_at: str,
              series: dict[str, Sequence[int]]) -> str:
    kinds = ", ".join(f"{name} {sum(values):,}" for name, values in series.items())
    return (f"{len(buckets)} bars from {buckets[0]} to {buckets[-1]}; total {sum(totals):,}"
            f" ({kinds}); highest {max(totals):,} at {peak_at}.")


def funnel_chart(steps: Sequence[tuple[str, int]], *, title: str, width: int = 880) -> Markup:
    """Horizontal bars, one per step, each as long as its share of the first step, with
    the count and the share written beside it."""
    if not steps:
        return Markup("")
    first = steps[0][1] or 1
    row_h, label_w, value_w = 26, 190, 150
    height = row_h * len(steps) + 8
    bar_span = width - label_w - value_w
    described = "; ".join(f"{name}: {count:,} ({count / first:.1%})" for name, count in steps)
    parts = [f'<svg class="chart funnel" viewBox="0 0 {width} {height}" width="100%"'
             f' role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
             f'<desc>{escape(described)}</desc>']
    for index, ((name, count), colour) in enumerate(zip(steps, PALETTE * 4, strict=False)):
        y = 4 + index * row_h
        w = max(count / first * bar_span, 1 if count else 0)
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" {_FONT}>'
                     f'{escape(name)}</text><rect x="{label_w}" y="{y + 3}" width="{w:.1f}"'
                     f' height="{row_h - 8}" fill="{colour}"/><text x="{label_w + w + 6:.1f}"'
                     f' y="{y + 16}" {_FONT}>{count:,} ({count / first:.1%})</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
