"""The API usage chart, drawn as server-side SVG (no chart library, no CDN).

Two renderings of the same data: a wide one, and a narrow one for phones (the template shows
one by the screen's width) whose text stays readable when the SVG is scaled to ~350 px.
The right axis is in percent of a limit; it reaches past 100 % when usage does (a 232 %
hour is drawn at 232 %, not capped), and the limit itself is a labelled line at 100 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDE = {"width": 720, "height": 220, "font": 11, "tick_every": 3}
NARROW = {"width": 340, "height": 240, "font": 12, "tick_every": 6}
# TOP leaves a row above the plot for the axis titles ("calls", "% of limit"), apart from
# the top tick labels.
LEFT, RIGHT, TOP, BOTTOM = 44, 48, 30, 40
#: How far (SVG units) the limit's label must stay from the plot's top: nearer, it goes
#: under its line, clear of the axis titles.
LABEL_CLEARANCE = 14


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    calls: int


def usage_chart(hours: list[dict], *, limit: int | None, narrow: bool = False) -> dict:
    """Geometry for the template: hubsync's calls per hour (bars, left axis), the org's
    usage in percent of its daily maximum (line) and hubsync's rolling 24-hour total in
    percent of its own limit (dashed line, with a limit set) on the right axis."""
    size = NARROW if narrow else WIDE
    width, height = size["width"], size["height"]
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / len(hours)
    peak = max([h["calls"] for h in hours] + [1])
    bars = []
    for index, hour in enumerate(hours):
        bar_height = plot_h * hour["calls"] / peak
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(TOP + plot_h - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                label=f"{hour['hour']:%H}",
                calls=hour["calls"],
            )
        )
    org = [
        (i, 100 * h["org_used"] / h["org_max"])
        for i, h in enumerate(hours)
        if h["org_used"] is not None and h["org_max"]
    ]
    own = []
    if limit:
        running = 0
        for index, hour in enumerate(hours):
            running += hour["calls"]
            own.append((index, 100 * running / limit))
    top_percent = max([100.0] + [p for _, p in org + own])
    scale = 50 * math.ceil(top_percent / 50)  # 100, 150, 250 …: the axis covers what happened

    def y_percent(percent: float) -> float:
        return round(TOP + plot_h - plot_h * percent / scale, 1)

    def line(points: list[tuple[int, float]]) -> str:
        return " ".join(f"{round(LEFT + (i + 0.5) * slot, 1)},{y_percent(p)}" for i, p in points)

    return {
        "width": width,
        "height": height,
        "font": size["font"],
        "plot_left": LEFT,
        "plot_right": width - RIGHT,
        "plot_top": TOP,
        "plot_bottom": TOP + plot_h,
        "peak": peak,
        "scale": scale,
        "limit_y": y_percent(100),
        # The limit's label inside the plot at its right end, above its line (below it at
        # the top), never on the right axis's tick labels.
        "limit_label_y": (
            y_percent(100) - 3
            if y_percent(100) - TOP >= LABEL_CLEARANCE
            else y_percent(100) + size["font"] + 1
        ),
        "bars": bars,
        "org_line": line(org),
        "own_line": line(own),
        "peak_percent": round(top_percent),
        "org_peak_percent": round(max([p for _, p in org], default=0)),
        "own_total": sum(h["calls"] for h in hours),
        "ticks": [bars[i] for i in range(0, len(bars), size["tick_every"])],
        "hours": hours,
        "limit": limit,
        "total": sum(h["calls"] for h in hours),
    }
