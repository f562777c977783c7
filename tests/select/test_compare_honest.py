"""A comparison that can tell plans apart and reports an honest number: a planted worse learning rate is told apart
by the paired test where the unpaired interval rule calls a tie, and the winner's reported score comes from data
that no choice read (checked from the records)."""

from __future__ import annotations

import json

import pytest

from transferkit import compare, reproduce

GOOD, WORSE = "linear-probe:fit=sgd", "linear-probe:fit=sgd,lr=0.003"  # trained by AdamW; the preset's rate is 0.01


@pytest.fixture(scope="module")
def planted(planted_dir):
    board = json.loads((planted_dir / "leaderboard.json").read_text())
    records = {run["dir"]: json.loads((planted_dir / run["dir"] / "run.json").read_text()) for run in board["runs"]}
    return board, records


@pytest.fixture(scope="module")
def planted_dir(tiny_model_dir, tmp_path_factory):
    """The same plan twice, one at a deliberately worse learning rate: 3 seeds on real digits, 3 labels per class."""
    out = tmp_path_factory.mktemp("planted") / "cmp"
    compare(str(tiny_model_dir), "digits", f"{GOOD},{WORSE}", out=out, seeds=3, epochs=3, lr_factors=(1,),
            labels_per_class=3, progress=False)
    return out


@pytest.mark.integration
def test_the_paired_test_tells_apart_what_the_interval_rule_calls_a_tie(planted):
    board, records = planted
    rows = {r["plan"]: r for r in board["rows"]}
    good, worse = rows[GOOD], rows[WORSE]
    val = {(r["plan"], r["seed"]): records[r["dir"]]["metrics"]["val"]["accuracy"] for r in board["runs"]}
    differences = [val[(WORSE, s)] - val[(GOOD, s)] for s in (0, 1, 2)]
    assert worse["paired"]["values"] == pytest.approx(differences) and worse["paired"]["seeds"] == [0, 1, 2]
    assert all(d < 0 for d in differences)  # the premise: the worse rate is worse at every seed
    # the unpaired rule (a mean inside the best plan's 95% t-interval is a tie) cannot tell them apart ...
    assert good["val"]["low"] <= worse["val"]["mean"] <= good["val"]["mean"]
    # ... the paired test can
    assert worse["paired"]["p_holm"] < 0.05 and worse["paired"]["distinguishable"] and not worse["tie"]
    assert worse["paired"]["high"] < 0  # the interval of the difference excludes zero
    assert board["winner"]["plan"] == GOOD and board["winner"]["tied_with"] == []
    assert "paired" in board["selection"]["ties"] and "Holm" in board["selection"]["ties"]


def test_the_reported_number_comes_from_data_that_chose_nothing(planted):
    board, records = planted
    assert board["candidates_tried"] == 2 and board["winner"]["chosen_among"] == 2
    for seed, parts in board["holdout"]["seeds"].items():
        chosen, held = set(parts["selection"]["positions"]), set(parts["holdout"]["positions"])
        assert chosen and held and not chosen & held  # disjoint ...
        assert chosen | held == set(range(parts["validation"]["images"]))  # ... and together the validation split
        for run in (r for r in board["runs"] if str(r["seed"]) == seed):
            record = records[run["dir"]]
            splits = record["data"]["splits"]
            # every run validated (and so was chosen) on the selection part only
            assert splits["val"]["images"] == len(chosen) and splits["holdout"]["images"] == len(held)
            assert splits["val"]["fingerprint"] == parts["selection"]["fingerprint"]
            assert splits["holdout"]["fingerprint"] == parts["holdout"]["fingerprint"]
            assert record["data"]["holdout"]["holdout_positions"] == sorted(held)
            # the kept epoch's score is a validated epoch's: measured on the selection part
            assert record["metrics"]["val"]["accuracy"] in {e["val_accuracy"] for e in record["history"]}
    reported = board["winner"]["reported"]
    assert reported["split"] == "holdout" and "no part in choosing" in reported["data"]
    winner_runs = [r for r in board["runs"] if r["plan"] == board["winner"]["plan"]]
    expected = [records[r["dir"]]["metrics"]["holdout"]["accuracy"] for r in sorted(winner_runs, key=lambda r: r["seed"])]
    assert reported["value"]["values"] == pytest.approx(expected)
    # the holdout and test are shown for the winner only
    assert all(r["holdout"] is None and r["test"] is None for r in board["rows"] if not r["winner"])


def test_every_run_records_every_metric(planted):
    board, records = planted
    for record in records.values():
        for split in ("val", "holdout", "test"):
            metrics = record["metrics"][split]
            assert 0 <= metrics["balanced_accuracy"] <= 1 and 0 <= metrics["macro_f1"] <= 1
            assert 0 <= metrics["accuracy"] <= metrics["top5_accuracy"] <= 1  # 10 classes: top-5 is defined


def test_a_compared_run_reproduces_with_its_holdout(planted, planted_dir, tmp_path):
    board, _ = planted
    run = next(r for r in board["runs"] if r["seed"] == 1)
    again = reproduce(planted_dir / run["dir"], out=tmp_path / "again")
    assert again.metrics_match and again.weights_match
    record = json.loads((tmp_path / "again" / "run.json").read_text())
    assert record["data"]["holdout"] == json.loads((planted_dir / run["dir"] / "run.json").read_text())["data"]["holdout"]
