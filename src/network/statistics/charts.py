"""Bar charts drawn on the server as SVG geometry (no chart library, no script: the CSP
allows neither inline scripts nor styles); templates/network/chart.html draws them."""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 40, 36, 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int  # the CSS class: .series-0, .series-1...


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x of each group's label
    ticks: list[tuple[float, int]]  # y of each grid line and its value
    legend: list[tuple[int, str]]
    baseline: float


def _nice_ceiling(value: int) -> int:
    """1, 2 or 5 times a power of ten, at least `value`: round grid lines."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def grouped_bars(groups: list[tuple[str, list[int]]], legend: list[str]) -> Chart | None:
    """One group of bars per label (a semester), one bar per series in each group."""
    if not groups:
        return None
    top = _nice_ceiling(max((max(values) for _label, values in groups), default=0) or 1)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / len(groups)
    bar_width = slot * 0.8 / len(legend)
    bars, labels = [], []
    for index, (label, values) in enumerate(groups):
        start = LEFT + index * slot + slot * 0.1
        for series, value in enumerate(values):
            height = plot_height * value / top
            bars.append(
                Bar(
                    round(start + series * bar_width, 1),
                    round(TOP + plot_height - height, 1),
                    round(bar_width - 1, 1),
                    round(height, 1),
                    value,
                    series,
                )
            )
        labels.append((round(LEFT + index * slot + slot / 2, 1), label))
    steps = 5 if top % 5 == 0 else 2 if top % 2 == 0 else 1  # whole numbers on the grid
    ticks = [
        (round(TOP + plot_height - plot_height * share / steps, 1), top * share // steps)
        for share in range(steps + 1)
    ]
    return Chart(WIDTH, HEIGHT, bars, labels, ticks, list(enumerate(legend)), TOP + plot_height)
