"""The report's figures: axes that show the data, nothing overlapping, any script in class names."""

from __future__ import annotations

import itertools
import warnings

from matplotlib.backends.backend_agg import FigureCanvasAgg

from transferkit.report.plots import confusion_chart, confusion_figure, leaderboard_figure, learning_curves_figure


def drawn(fig):
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def boxes(texts, renderer):
    return [t.get_window_extent(renderer) for t in texts if t.get_text() and t.get_visible()]


def no_overlap(extents) -> bool:
    return not any(a.overlaps(b) for a, b in itertools.combinations(extents, 2))


def record(val_at: set[int], epochs: int = 10, phases: tuple[int, ...] = (10,)) -> dict:
    history = [{"val_accuracy": 0.9 if e in val_at else None, "train_loss": 1.0 / e} for e in range(1, epochs + 1)]
    return {"history": history, "plan": {"phases": [{"epochs": n} for n in phases]}}


def row(plan: str, mean: float, half: float, **flags) -> dict:
    return {"plan": plan, "lr_factor": 1.0, "status": "ok", "epochs": 10,
            "val": {"mean": mean, "low": mean - half, "high": mean + half, "n": 3}, **flags}


def test_a_run_validated_once_is_drawn_on_an_axis_of_all_its_epochs():
    fig = learning_curves_figure("partial:k=1", [("seed 0", record({10})), ("seed 1", record({10}))])
    for ax in fig.axes:
        low, high = ax.get_xlim()
        assert low <= 1 and high >= 10 and high - low < 11
    point = fig.axes[0].lines[0]
    assert list(point.get_xdata()) == [10] and point.get_marker() == "o" and point.get_markersize() >= 6


def test_the_leaderboard_axis_zooms_to_the_intervals():
    rows = [row("full", 0.93, 0.01, winner=True), row("partial:k=1", 0.92, 0.012, tie=True), row("bitfit", 0.905, 0.01)]
    ax = leaderboard_figure(rows).axes[0]
    low, high = ax.get_xlim()
    assert 80 < low < 89.5 and 94 < high <= 100  # not 0 to 100: 1-3 point differences stay visible
    assert high - low < 15


def test_titles_and_labels_do_not_overlap():
    curves = learning_curves_figure("a rather long plan name: lp-ft:probe_epochs=5,epochs=10",
                                    [("x1 seed 0 · 10 ep", record(set(range(1, 11)), phases=(5, 5)))])
    renderer = drawn(curves)
    titles = [curves._suptitle] + [ax.title for ax in curves.axes]
    assert no_overlap(boxes(titles, renderer))
    classes = [f"class with a long name {i}" for i in range(6)]
    matrix = [[3 if i == j else 1 for j in range(6)] for i in range(6)]
    confusion = confusion_figure(matrix, classes, "partial:k=1: validation set, summed over 1 run(s) of a long plan")
    renderer = drawn(confusion)
    ax = confusion.axes[0]
    ticks = boxes(ax.get_xticklabels(), renderer)
    assert len(ticks) == 6 and no_overlap(ticks)
    assert no_overlap(boxes(ax.get_yticklabels(), renderer))
    title = ax.title.get_window_extent(renderer)
    assert not any(title.overlaps(t) for t in ticks + boxes(ax.get_yticklabels(), renderer))
    figure = confusion.bbox
    assert figure.x0 <= title.x0 and title.x1 <= figure.x1  # the title is not cut at the figure's edges


def test_class_names_in_any_script_draw_without_missing_glyph_warnings():
    classes = ["thé vert 緑", "café au lait", "고양이", "кошка"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = confusion_chart([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 2]], classes, "猫 and 犬")
    assert png.startswith("iVBOR")
