"""A single domain-adaptation run records source-only's label-free estimate beside its own (a linear probe on the
pretrained features, scored by the same DEV), and warns in one line when its own is lower."""

from __future__ import annotations

import logging

from transferkit import adapt

SOURCE = "synthetic:glyphs?classes=4&per_class=12&size=16"
TARGET = SOURCE + "&shift=contrast"
UNLABELED = TARGET + "&sample=2"


def run_and_warnings(model_dir, strategy, caplog):
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="transferkit"):
        run = adapt(str(model_dir), TARGET, strategy, source=SOURCE, unlabeled=UNLABELED, epochs=1, progress=False)
    lines = [r.getMessage() for r in caplog.records if "looks worse than source-only" in r.getMessage()]
    return run.record["domain_adaptation"]["model_selection"], lines


def test_an_aligning_run_records_source_only_and_warns_only_when_below(tiny_model_dir, caplog):
    chosen, lines = run_and_warnings(tiny_model_dir, "coral:lr=0.001", caplog)
    baseline, mine = chosen["source_only"], chosen["dev"]["accuracy_estimate"]
    assert 0.0 <= baseline["accuracy_estimate"] <= 1.0 and 0.0 <= baseline["source_validation_accuracy"] <= 1.0
    assert "logistic regression" in baseline["what"] and "DEV" in baseline["what"]
    assert len(lines) == (1 if mine < baseline["accuracy_estimate"] else 0)
    # one epoch of CORAL on these glyphs estimates lower than the probe: one line says so, with both numbers
    assert mine < baseline["accuracy_estimate"] and len(lines) == 1
    assert f"{mine:.1%}" in lines[0] and f"{baseline['accuracy_estimate']:.1%}" in lines[0]
    # another adapting plan on the same pretrained network, split and seed: the same stand-in
    other, _ = run_and_warnings(tiny_model_dir, "adabn", caplog)
    assert other["source_only"] == baseline

def test_source_only_itself_records_no_stand_in(tiny_model_dir, caplog):
    chosen, lines = run_and_warnings(tiny_model_dir, "source-only:k=0", caplog)
    assert "source_only" not in chosen and chosen["dev"] is not None and not lines
