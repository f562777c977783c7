"""Results print readably: print(result), print(result.table()) and notebooks (HTML) show the leaderboard or the run."""

from __future__ import annotations

from transferkit import adapt


def test_a_comparison_prints_its_leaderboard(tiny_comparison, capsys):
    print(tiny_comparison.table())
    print(tiny_comparison)
    text = capsys.readouterr().out
    assert "object at 0x" not in text and "rich.table" not in text
    assert text.count("val accuracy [95% CI]") == 2 and text.count("linear-probe") >= 2
    assert "partial:k=1" in text and f"Chosen: {tiny_comparison.winner['plan']}" in text
    assert "leaderboard.json" in text
    html = tiny_comparison._repr_html_()
    assert "<table" in html and "linear-probe" in html and "partial:k=1" in html and "Chosen plan" in html
    assert "<table" in tiny_comparison.table()._repr_html_() or "<pre" in tiny_comparison.table()._repr_html_()


def test_a_run_prints_its_term_accuracies_and_description(tiny_model_dir, tiny_digits):
    run = adapt(str(tiny_model_dir), tiny_digits, "linear-probe", epochs=1, progress=False)
    text = str(run)
    assert text.startswith("linear probing (feature extraction): validation accuracy ")
    assert f"test accuracy {run.test_accuracy:.1%}" in text and run.description in text
    assert "Run(" not in text and "linear probing (feature extraction)" in run._repr_html_()
