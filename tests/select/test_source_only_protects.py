"""A domain-adaptation comparison keeps source-only unless a method beats it on the label-free estimate beyond the
per-seed noise; the reason is in leaderboard.json and the table; without source-only nothing changes."""

from __future__ import annotations

import io

from rich.console import Console

from transferkit.select import build_leaderboard
from transferkit.select.table import leaderboard_table


def entry(plan, seed, val, params=1000):
    return {"candidate": f"{plan}@x1", "plan": plan, "term": f"term of {plan}", "lr_factor": 1.0, "lrs": [0.001],
            "epochs": 10, "rung": None, "seed": seed, "status": "ok", "error": None, "dir": f"{plan}/{seed}",
            "val": val, "test": 0.5, "trainable_params": params, "seconds": 1.0, "peak_memory": None,
            "train_images": 1000, "steps": 10, "control": False, "domain_adaptation": True}


def board(**scores):
    """The leaderboard of plans given as name=[estimate per seed] ('_' for '-'), equal costs."""
    return build_leaderboard([entry(name.replace("_", "-"), seed, v)
                              for name, values in scores.items() for seed, v in enumerate(values)])


def caption(leaderboard):
    console = Console(file=io.StringIO(), width=400)
    console.print(leaderboard_table(leaderboard))
    return console.file.getvalue()


def status(leaderboard, plan):
    return next(r for r in leaderboard["rows"] if r["plan"] == plan)


def test_a_method_higher_by_less_than_the_noise_loses_to_source_only():
    # coral is 0.5 points higher on average, but the per-seed differences (+3, -2, +0.5) spread far more
    lb = board(source_only=[0.70, 0.74, 0.72], coral=[0.73, 0.72, 0.725])
    winner = lb["winner"]
    assert winner["plan"] == "source-only" and winner["best"] == "coral"
    guard = winner["protected_by_source_only"]
    assert guard["applied"] and guard["method"] == "coral" and guard["source_only"] == "source-only"
    assert guard["p"] > 0.05 and abs(guard["gain_points"] - 0.5) < 1e-9 and guard["seeds"] == 3
    assert "cannot tell coral" in winner["reason"] and "source-only kept" in winner["chosen_by"]
    rows = {r["plan"]: r for r in lb["rows"]}
    assert rows["source-only"]["winner"] and not rows["coral"]["winner"]
    text = caption(lb)
    assert "Protected by source-only" in text and "source-only kept" in text
    assert "does not beat source-only" in text
    assert "source-only" in lb["selection"]["source_only"]


def test_a_method_clearly_higher_at_every_seed_wins():
    lb = board(source_only=[0.70, 0.74, 0.72], coral=[0.75, 0.78, 0.76])
    winner = lb["winner"]
    assert winner["plan"] == "coral" and winner["chosen_by"] == "highest mean"
    guard = winner["protected_by_source_only"]
    assert not guard["applied"] and guard["p"] < 0.05 and "beats source-only" in guard["reason"]
    assert "Checked against source-only" in caption(lb)


def test_with_one_seed_a_method_needs_more_than_the_margin():
    close = board(source_only=[0.70], dann=[0.705])
    assert close["winner"]["plan"] == "source-only"
    assert "one seed" in close["winner"]["reason"]
    clear = board(source_only=[0.70], dann=[0.73])
    assert clear["winner"]["plan"] == "dann" and not clear["winner"]["protected_by_source_only"]["applied"]


def test_source_only_with_options_is_recognised_and_its_own_win_adds_nothing():
    spelled = build_leaderboard([entry("source-only:k=0", s, v) for s, v in enumerate([0.70, 0.74])]
                                + [entry("coral", s, v) for s, v in enumerate([0.71, 0.745])])
    assert spelled["winner"]["plan"] == "source-only:k=0"
    assert spelled["winner"]["protected_by_source_only"]["applied"]
    own = board(source_only=[0.75, 0.76], coral=[0.70, 0.71])
    assert own["winner"]["plan"] == "source-only" and "protected_by_source_only" not in own["winner"]


def test_without_source_only_the_choice_is_unchanged():
    lb = board(adabn=[0.70, 0.74, 0.72], coral=[0.73, 0.72, 0.725])
    assert lb["winner"]["plan"] == "coral" and lb["winner"]["chosen_by"] == "highest mean"
    assert "protected_by_source_only" not in lb["winner"]
    assert "source-only" not in caption(lb).split("Leaderboard")[-1].split("Selection")[0]
    # a comparison without domain adaptation is never protected, even with a plan of that name
    plain = build_leaderboard([{**entry(p, s, v), "domain_adaptation": False}
                               for p, vals in (("source-only", [0.70, 0.74, 0.72]), ("coral", [0.73, 0.72, 0.725]))
                               for s, v in enumerate(vals)])
    assert plain["winner"]["plan"] == "coral" and "protected_by_source_only" not in plain["winner"]
