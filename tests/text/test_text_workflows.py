"""compare, reproduce and diagnose on a real text encoder and real text, as for images."""

from __future__ import annotations

import pytest

import transferkit as tk

from support.text import MINILM, fortunes_csv


@pytest.mark.integration
def test_compare_ranks_plans_on_text_over_seeds(minilm_32, text_splits, tmp_path):
    result = tk.compare(minilm_32, text_splits, "linear-probe,bitfit", out=tmp_path / "cmp", seeds=2, epochs=1,
                        lr_factors=(1.0,), progress=False)
    rows = {r["plan"]: r for r in result.leaderboard["rows"]}
    assert set(rows) == {"linear-probe", "bitfit"}
    assert all(r["val"]["n"] == 2 for r in rows.values())
    assert rows["bitfit"]["trainable_params"] > rows["linear-probe"]["trainable_params"]
    assert (tmp_path / "cmp" / "report.html").is_file()


@pytest.mark.integration
def test_a_text_run_reproduces_from_its_record(fortunes_small, tmp_path):
    run = tk.adapt(MINILM, f"csv:{fortunes_small}", "bitfit", epochs=1, max_length=32, out=tmp_path / "run",
                   progress=False)
    again = tk.reproduce(run.dir, out=tmp_path / "again")
    assert again.identical, again.differences  # same metrics and bit-identical weights on CPU
    assert again.run.record["spec"]["model"]["max_length"] == 32


def test_diagnose_measures_the_shift_per_layer_between_two_text_sets(fortunes_small, tmp_path):
    source = fortunes_csv(tmp_path / "source.csv", topics=("computers", "politics"))
    found = tk.diagnose(MINILM, f"csv:{fortunes_small}", source=f"csv:{source}", max_length=32, progress=False,
                        out=tmp_path / "diagnosis")
    stages = [row["stage"] for row in found.stages]
    assert stages[:2] == ["stem", "stage1"] and "stage6" in stages
    assert (tmp_path / "diagnosis" / "diagnosis.json").is_file()
