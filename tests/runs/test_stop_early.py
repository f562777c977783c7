"""Ctrl-C in Python code that calls adapt(): with `out`, the first one ends training after the epoch and the run is
written; the Ctrl-C handler is ours only while the run trains; without `out`, Ctrl-C interrupts as always."""

from __future__ import annotations

import importlib
import os
import signal

import pytest

from transferkit import adapt

TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"
phase_exec = importlib.import_module("transferkit.engine.phase_exec")

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")


@pytest.fixture(autouse=True)
def _ctrl_c_as_in_a_terminal():
    """Python's own SIGINT handler, as in a terminal: a shell starts background jobs with SIGINT ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def press_ctrl_c_in_epoch(monkeypatch, epoch: int) -> list:
    """Send SIGINT to this process at the start of the run's `epoch`-th trained epoch (1-based); returns the SIGINT
    handlers seen at the start of each epoch."""
    handlers, real = [], phase_exec.train_epoch

    def train_epoch(**kwargs):
        handlers.append(signal.getsignal(signal.SIGINT))
        if len(handlers) == epoch:
            os.kill(os.getpid(), signal.SIGINT)
        return real(**kwargs)

    monkeypatch.setattr(phase_exec, "train_epoch", train_epoch)
    return handlers


def test_first_ctrl_c_ends_the_run_after_its_epoch_with_the_kept_weights(tiny_model_dir, tmp_path, monkeypatch):
    handlers = press_ctrl_c_in_epoch(monkeypatch, 2)
    run = adapt(str(tiny_model_dir), TARGET, "lp-ft:epochs=4,fit=sgd", out=tmp_path / "run", device="cpu", progress=False,
                eval_every=0)

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    assert len(handlers) == 2 and handlers[0] is not signal.default_int_handler
    record = run.record
    assert record["stopped_early"] == {"by": "user", "phase": 0, "phase_name": "linear probe", "epoch": 1,
                                       "epochs_run": 2, "epochs_planned": 14, "phases_run": 1, "phases_planned": 2}
    assert [p["epochs_run"] for p in record["plan"]["phases"]] == [2]
    # validated like a last epoch, even with eval_every=0, so that keep=best can choose it
    assert [e["val_accuracy"] is not None for e in record["history"]] == [False, True]
    assert record["kept"]["epoch"]["run_epoch"] == 2
    assert (tmp_path / "run" / "model.safetensors").is_file() and not (tmp_path / ".run.partial").exists()
    assert "(stopped early on request: 2 of 14 epochs)" in run.summary()
    assert "the last phase did not run" in run.description


def test_without_a_run_directory_ctrl_c_interrupts_at_once(tiny_model_dir, monkeypatch):
    handlers = press_ctrl_c_in_epoch(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        adapt(str(tiny_model_dir), TARGET, "linear-probe:epochs=3,fit=sgd", device="cpu", progress=False)
    assert handlers == [signal.default_int_handler]
