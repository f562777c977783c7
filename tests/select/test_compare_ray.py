"""compare --executor ray on a real Ray cluster started here (head on 127.0.0.1, two worker processes): the same
leaderboard, metrics and kept weights as --executor local; a Ray worker killed during a run has its run retried; a
driver killed with SIGKILL resumes with --resume."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import ray  # noqa: F401 - an optional extra, installed by scripts/install; its absence is tested below
import torch
from safetensors.torch import load_file

from support.tiny import TINY_TARGET
from support.comparing import (compare_command, environment, error_without, finished_runs, killed_then_resumed,
                               leaderboard, run)
from transferkit import compare

RAY = str(Path(sys.executable).with_name("ray"))
PLANS = "linear-probe,partial:k=1,full"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _started_in(folder: str, port: int) -> list[psutil.Process]:
    """The processes of the Ray cluster whose files are in `folder` or that serve its `port` (this cluster's only),
    and their children."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if process.pid != os.getpid() and any(folder in part or part.endswith(f":{port}")
                                              for part in process.info["cmdline"] or []):
            try:
                found += [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
    return list({p.pid: p for p in found}.values())


@dataclass(frozen=True)
class Cluster:
    address: str
    folder: str
    port: int

    def processes(self) -> list[psutil.Process]:
        return _started_in(self.folder, self.port)


@pytest.fixture(scope="module")
def ray_cluster():
    """A Ray head on 127.0.0.1 with 2 CPUs (two runs at a time, each in its own worker process), shared by the tests
    of this file; its processes are stopped by id afterwards."""
    folder = tempfile.mkdtemp(prefix="tk-ray-", dir="/tmp")  # short: Ray's socket paths must fit 107 characters
    port = _free_port()
    # bound to this machine only, so without Ray's token authentication (the driver here needs none either)
    before = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    subprocess.run([RAY, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
                    "--num-gpus=0", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={folder}",
                    f"--ray-client-server-port={_free_port()}"],
                   env=environment(), check=True, capture_output=True, timeout=180)
    try:
        yield Cluster(f"127.0.0.1:{port}", folder, port)
    finally:
        processes = _started_in(folder, port)
        for process in processes:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(processes, timeout=30)
        if before is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = before


def _compare(model_dir, out, **how):
    return compare(str(model_dir), TINY_TARGET, PLANS, out=out, seeds=2, epochs=1, lr_factors=(1,),
                   labels_per_class=4, device="cpu", progress=False, **how)


def _runs(result):
    return [(r["dir"], r["seed"], r["status"], json.loads((result.dir / r["dir"] / "run.json").read_text())["metrics"])
            for r in result.runs]


def _weights(result):
    return {r["dir"]: load_file(str(result.dir / r["dir"] / "model.safetensors")) for r in result.runs if r["weights"]}


@pytest.fixture(scope="module")
def local_reference(tiny_model_dir, tmp_path_factory):
    """The same comparison with --executor local, on one thread (as each Ray task of --cpus-per-run 1)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _compare(tiny_model_dir, tmp_path_factory.mktemp("local") / "cmp")
    finally:
        torch.set_num_threads(before)


@pytest.mark.integration
def test_ray_runs_the_same_comparison_as_local(ray_cluster, local_reference, tiny_model_dir, tmp_path):
    result = _compare(tiny_model_dir, tmp_path / "ray", executor="ray", ray_address=ray_cluster.address,
                      cpus_per_run=1, track="tensorboard")
    assert len(result.runs) == 6 and all(r["status"] == "ok" for r in result.runs)
    assert result.winner["plan"] == local_reference.winner["plan"]
    assert _runs(result) == _runs(local_reference)  # every metric to the last digit
    ours, theirs = _weights(result), _weights(local_reference)
    assert ours.keys() == theirs.keys() and ours
    assert all(torch.equal(ours[d][k], theirs[d][k]) for d in ours for k in ours[d])
    record = json.loads((result.dir / result.runs[0]["dir"] / "run.json").read_text())
    assert record["environment"]["device"].endswith("1 threads)")  # trained in a Ray worker with its 1 CPU
    _assert_tensorboard_events(result)


def _assert_tensorboard_events(result) -> None:
    """Every run's event files, read back with TensorBoard's reader: its per-epoch and final metrics."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for run in result.runs:
        record = json.loads((result.dir / run["dir"] / "run.json").read_text())
        events = EventAccumulator(str(result.dir / "tensorboard" / run["dir"]))
        events.Reload()
        epochs = [(e.step, e.value) for e in events.Scalars("epoch/val_accuracy")]
        assert epochs == [(i + 1, pytest.approx(h["val_accuracy"])) for i, h in enumerate(record["history"])]
        (final,) = events.Scalars("final/test.accuracy")
        assert final.value == pytest.approx(record["metrics"]["test"]["accuracy"])


def _kill_one_running_task(cluster: Cluster, killed: list[int], stop: threading.Event) -> None:
    """Wait for a worker process of `cluster` that runs a task, let it train a moment, then SIGKILL it (once)."""
    while not stop.is_set():
        for process in cluster.processes():
            try:
                title = (process.cmdline() or [""])[0]
            except psutil.NoSuchProcess:
                continue
            if title.startswith("ray::_run_task"):
                time.sleep(0.5)
                try:
                    process.kill()
                    killed.append(process.pid)
                except psutil.NoSuchProcess:
                    continue
                return
        time.sleep(0.05)


@pytest.mark.integration
def test_a_killed_ray_worker_has_its_run_retried(ray_cluster, local_reference, tiny_model_dir, tmp_path):
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_one_running_task, args=(ray_cluster, killed, stop))
    killer.start()
    try:
        result = _compare(tiny_model_dir, tmp_path / "ray", executor="ray", ray_address=ray_cluster.address,
                          cpus_per_run=1)
    finally:
        stop.set()
        killer.join()
    assert len(killed) == 1 and not psutil.pid_exists(killed[0])
    assert len(result.runs) == 6 and all(r["status"] == "ok" for r in result.runs)  # the killed run ran again
    assert _runs(result) == _runs(local_reference)


@pytest.mark.integration
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_killed_ray_comparison_resumes(ray_cluster, tiny_model_dir, tmp_path):
    reference = tmp_path / "reference"
    run(compare_command(tiny_model_dir, reference), threads=1)  # as each Ray task of --cpus-per-run 1
    out = tmp_path / "killed"
    extra = ("--executor", "ray", "--ray-address", ray_cluster.address)
    before, resumed = killed_then_resumed(tiny_model_dir, out, *extra)
    assert f"Resumed: reused {len(before)} finished runs, trained {4 - len(before)} of 4." in resumed.stderr
    assert all(finished_runs(out)[where] == written for where, written in before.items())
    assert leaderboard(out) == leaderboard(reference)


@pytest.mark.integration
def test_without_ray_the_error_names_the_extra(tiny_model_dir, tmp_path):
    line = error_without("ray", ["compare", "--model", str(tiny_model_dir), "--data", TINY_TARGET, "--strategies",
                                 "linear-probe", "--seeds", "1", "--epochs", "1", "--executor", "ray",
                                 "--out", str(tmp_path / "c")])
    assert line == ("error: --executor ray needs Ray, an optional extra; install it with: "
                    "pip install 'transferkit[ray]'.")
    assert list(tmp_path.iterdir()) == []
