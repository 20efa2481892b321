"""The API usage chart, drawn as server-side SVG (no chart library, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 12, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    calls: int


def usage_chart(hours: list[dict], *, limit: int | None) -> dict:
    """Geometry for the template: hubsync's calls per hour (bars), the org's usage in
    percent of its daily maximum (line) and hubsync's rolling 24-hour total in percent
    of its own limit (dashed line, with a limit set)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(hours)
    peak = max([h["calls"] for h in hours] + [1])
    bars = []
    for index, hour in enumerate(hours):
        height = plot_h * hour["calls"] / peak
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=f"{hour['hour']:%H}:00",
                calls=hour["calls"],
            )
        )

    def y_percent(percent: float) -> float:
        return round(TOP + plot_h - plot_h * min(percent, 100) / 100, 1)

    org_points = [
        (round(LEFT + (i + 0.5) * slot, 1), y_percent(100 * h["org_used"] / h["org_max"]))
        for i, h in enumerate(hours)
        if h["org_used"] is not None and h["org_max"]
    ]
    own_points = []
    if limit:
        running = 0
        for index, hour in enumerate(hours):
            running += hour["calls"]
            own_points.append(
                (round(LEFT + (index + 0.5) * slot, 1), y_percent(100 * running / limit))
            )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot_left": LEFT,
        "plot_right": WIDTH - RIGHT,
        "plot_top": TOP,
        "plot_bottom": TOP + plot_h,
        "peak": peak,
        "bars": bars,
        "org_line": " ".join(f"{x},{y}" for x, y in org_points),
        "own_line": " ".join(f"{x},{y}" for x, y in own_points),
        "ticks": [bars[i] for i in range(0, len(bars), 3)],
        "hours": hours,
        "limit": limit,
        "total": sum(h["calls"] for h in hours),
    }
