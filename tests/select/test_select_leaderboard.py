"""Selection rules: validation only, the learning rate per plan, ties to the cheaper plan, failures left out."""

from __future__ import annotations

import pytest
from scipy import stats

from transferkit.select import build_leaderboard, comparison_document


def entry(plan, factor, seed, val, test, params=1000, epochs=10, status="ok", images=1000):
    return {"candidate": f"{plan}@x{factor}", "plan": plan, "term": f"term of {plan}", "lr_factor": factor,
            "lrs": [0.01 * factor], "epochs": epochs, "rung": None, "seed": seed, "status": status,
            "error": "loss became nan" if status != "ok" else None, "dir": None if status != "ok" else f"{plan}/{seed}",
            "val": val if status == "ok" else None, "test": test if status == "ok" else None,
            "trainable_params": params if status == "ok" else None, "seconds": 1.0 if status == "ok" else None,
            "peak_memory": {"bytes": 100, "kind": "x"} if status == "ok" else None,
            "train_images": images, "steps": 10}


def test_winner_follows_validation_when_test_disagrees():
    # 'a' is better on validation, 'b' much better on test (and cheaper): the winner must be 'a'.
    entries = [entry("a", 1, s, v, t, params=5000) for s, (v, t) in
               enumerate([(0.90, 0.10), (0.91, 0.11), (0.92, 0.12)])]
    entries += [entry("b", 1, s, v, t, params=50) for s, (v, t) in
                enumerate([(0.60, 0.99), (0.61, 0.98), (0.62, 0.97)])]
    board = build_leaderboard(entries, show_test=True)
    assert board["winner"]["plan"] == "a"
    assert board["rows"][0]["plan"] == "a" and board["rows"][0]["rank"] == 1
    # and swapping the test accuracies between the plans changes nothing about the choice
    swapped = [{**e, "test": 1.0 - e["test"]} for e in entries]
    assert build_leaderboard(swapped)["winner"]["plan"] == "a"


def test_learning_rate_is_chosen_per_plan_on_mean_validation():
    # test accuracy runs against validation (1 - val): it must not pull the choice
    entries = [entry("a", f, s, v, 1 - v) for f, vals in ((1 / 3, [0.5, 0.6]), (1, [0.7, 0.72]), (3, [0.8, 0.3]))
               for s, v in enumerate(vals)]
    (row,) = build_leaderboard(entries)["rows"]
    assert row["lr_factor"] == 1  # mean 0.71 beats 0.55 and 0.55
    assert [g["lr_factor"] for g in row["lr_grid"]] == [1 / 3, 1, 3]
    assert [round(g["val_mean"], 3) for g in row["lr_grid"]] == [0.55, 0.71, 0.55]


def test_a_tie_of_the_paired_test_is_not_equivalence_so_the_best_mean_wins():
    # before: a tie went to the cheaper plan; a tie with 3 seeds is no evidence that the cheaper plan is as good
    big = [entry("full", 1, s, v, 0.5, params=100_000) for s, v in enumerate([0.80, 0.90, 0.85])]
    small = [entry("probe", 1, s, v, 0.5, params=650) for s, v in enumerate([0.82, 0.84, 0.83])]
    board = build_leaderboard(big + small)
    # per-seed differences probe - full: +0.02, -0.06, -0.02 -> not distinguishable -> tie ...
    assert all(r["tie"] for r in board["rows"])
    probe = next(r for r in board["rows"] if r["plan"] == "probe")
    assert probe["paired"]["values"] == pytest.approx([0.02, -0.06, -0.02]) and probe["paired"]["seeds"] == [0, 1, 2]
    # ... but not shown within 1 point: deficit 2 points, upper bound 2 + t(0.95, 2) * 4 / sqrt(3) points
    upper = 0.02 + stats.t.ppf(0.95, 2) * 0.04 / 3 ** 0.5
    assert probe["equivalence"]["upper"] == pytest.approx(upper) and not probe["equivalence"]["shown"]
    assert board["winner"]["plan"] == "full" and board["winner"]["tied_with"] == ["probe"]
    assert board["winner"]["chosen_by"] == "highest mean" and board["winner"]["equivalent"] == []
    reason = board["winner"]["reason"]
    assert "highest mean" in reason and "no cheaper plan is shown within 1 point" in reason and "probe" in reason


def test_no_tie_when_the_paired_test_separates():
    big = [entry("full", 1, s, v, 0.5, params=100_000) for s, v in enumerate([0.90, 0.91, 0.92])]
    small = [entry("probe", 1, s, v, 0.5, params=650) for s, v in enumerate([0.82, 0.84, 0.83])]
    board = build_leaderboard(big + small)
    assert board["winner"]["plan"] == "full" and board["winner"]["tied_with"] == []
    assert [r["tie"] for r in board["rows"]] == [True, False]
    assert board["rows"][1]["paired"]["distinguishable"] and board["rows"][1]["paired"]["p_holm"] < 0.05


def test_pairing_separates_what_the_unpaired_interval_calls_a_tie():
    # seed-to-seed spread is large, but b is worse than a at every seed by about 2 points
    a = [entry("a", 1, s, v, 0.5, params=5000) for s, v in enumerate([0.70, 0.80, 0.90])]
    b = [entry("b", 1, s, v, 0.5, params=50) for s, v in enumerate([0.68, 0.785, 0.875])]
    board = build_leaderboard(a + b)
    rows = {r["plan"]: r for r in board["rows"]}
    assert rows["a"]["val"]["low"] <= rows["b"]["val"]["mean"]  # the old rule: inside a's interval, a tie
    assert rows["b"]["paired"]["distinguishable"] and not rows["b"]["tie"]
    assert board["winner"]["plan"] == "a"  # b is cheaper, but told apart


def test_holm_correction_across_candidates():
    best = [0.80, 0.85, 0.90, 0.82]
    others = {"b": [0.78, 0.84, 0.87, 0.80], "c": [0.70, 0.76, 0.79, 0.73], "d": [0.79, 0.86, 0.88, 0.80]}
    entries = [entry("a", 1, s, v, 0.5) for s, v in enumerate(best)]
    entries += [entry(p, 1, s, v, 0.5) for p, vals in others.items() for s, v in enumerate(vals)]
    rows = {r["plan"]: r for r in build_leaderboard(entries)["rows"]}
    raw = {p: stats.ttest_rel(vals, best, alternative="less").pvalue for p, vals in others.items()}
    order = sorted(raw, key=raw.get)
    expected, running = {}, 0.0
    for i, p in enumerate(order):
        running = max(running, min(1.0, (3 - i) * raw[p]))
        expected[p] = running
    for p in others:
        assert rows[p]["paired"]["p"] == pytest.approx(raw[p], rel=1e-9)
        assert rows[p]["paired"]["p_holm"] == pytest.approx(expected[p], rel=1e-9)
        assert rows[p]["tie"] == (expected[p] >= 0.05)


def test_one_seed_cannot_tell_plans_apart():
    # before: with one seed every plan was tied and the cheapest won; now nothing can be shown, so the best mean wins
    entries = [entry("big", 1, 0, 0.95, 0.5, params=100_000), entry("small", 1, 0, 0.60, 0.5, params=10)]
    board = build_leaderboard(entries)
    assert board["winner"]["plan"] == "big" and board["winner"]["tied_with"] == ["small"]
    assert "one seed" in board["winner"]["reason"]
    assert board["power"]["warning"].startswith("with 1 seed no difference can be detected")


def test_failed_learning_rates_and_plans_are_never_chosen():
    entries = [entry("a", 3, 0, 0.99, 0.5), entry("a", 3, 1, 0.0, 0.0, status="failed")]
    entries += [entry("a", 1, s, 0.7, 0.5) for s in range(2)]
    entries += [entry("b", 1, s, 0.0, 0.0, status="failed") for s in range(2)]
    board = build_leaderboard(entries)
    rows = {r["plan"]: r for r in board["rows"]}
    assert rows["a"]["lr_factor"] == 1 and rows["a"]["status"] == "ok"
    assert rows["b"]["status"] == "failed" and rows["b"]["errors"] == ["loss became nan"]
    assert board["winner"]["plan"] == "a"
    assert board["compute"]["failed_runs"] == 3


def test_test_accuracy_is_hidden_except_for_the_winner_unless_asked():
    entries = [entry("a", 1, s, 0.9, 0.4) for s in range(2)] + [entry("b", 1, s, 0.5, 0.8) for s in range(2)]
    doc = comparison_document(entries)
    rows = {r["plan"]: r for r in doc["rows"]}
    assert rows["a"]["test"]["mean"] == 0.4 and rows["b"]["test"] is None
    assert all("test" not in r for r in doc["runs"] if r["plan"] == "b")
    shown = comparison_document(entries, show_test=True)
    assert {r["plan"]: r["test"]["mean"] for r in shown["rows"]} == {"a": 0.4, "b": 0.8}


def test_plans_stopped_early_are_marked_eliminated_and_not_chosen():
    entries = [entry("a", 1, s, 0.95, 0.5, epochs=1) for s in range(2)]  # great at 1 epoch, never promoted
    entries += [entry("b", 1, s, 0.7, 0.5, epochs=9) for s in range(2)]
    board = build_leaderboard(entries)
    rows = {r["plan"]: r for r in board["rows"]}
    assert rows["a"]["status"] == "eliminated" and board["winner"]["plan"] == "b"
