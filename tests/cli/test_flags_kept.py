"""Every command keeps the flags it had before its options were generated from the settings records (a flag may gain
an alias, none disappears), and --help starts without loading PyTorch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from transferkit.cli import app

EARLIER = {
    "pretrain": "--augment --batch-size --channels-last --checkpoint-every --compile --data --data-mem --device --epochs "
                "--grad-accum --input-size --lr --max-bad-fraction --max-steps --model --out --overwrite --precision "
                "--resume --seed --sync-bn --workers",
    "adapt": "--augment --batch-size --cache --cache-mem --cache-views --channels-last --checkpoint-every "
             "--class-weights --classes --compile --cutmix --data --data-mem --device --epochs --eval-every "
             "--grad-accum --input-size --keep --labels-per-class --lr --max-bad-fraction --max-steps --mixup --model "
             "--no-pretrained --out --overwrite --patience --precision --pretrained --randaugment --random-erasing "
             "--resume --sampler --seed --source --strategy --sync-bn --unlabeled --weights --weights-map --workers",
    "reproduce": "--data --device --model --out --overwrite --weights",
    "diagnose": "--data --device --max-images --model --out --overwrite --seed --source --unlabeled",
    "stages": "--no-pretrained --pretrained --weights --weights-map",
    "describe": "--model",
    "compare": "--augment --batch-size --channels-last --class-weights --classes --compile --cutmix --data --data-mem "
               "--device --epochs --eta --grad-accum --holdout --input-size --jobs --keep --keep-weights "
               "--labels-per-class --lr --lr-factors --lr-search --max-bad-fraction --max-steps --metric --mixup "
               "--model --no-pretrained --out --overwrite --patience --precision --pretrained --randaugment "
               "--random-erasing --sampler --search --seeds --show-test --source --strategies --sync-bn --time-budget "
               "--unlabeled --weights --weights-map --workers",
    "demo": "--epochs --jobs --out --overwrite --search --seeds",
    "predict": "--batch-size --device --out --overwrite --top-k --tta --no-tta",
    "evaluate": "--data --device --out --overwrite",
    "export": "--format --images --out --overwrite --tolerance",
}


@pytest.mark.parametrize("command", sorted(EARLIER))
def test_no_flag_disappears(command):
    shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "250"}).output
    missing = [flag for flag in EARLIER[command].split() if flag not in shown.split()]
    assert missing == []


def test_help_and_a_bad_option_load_no_heavy_library():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom transferkit.cli import app\n"
            "CliRunner().invoke(app, ['adapt', '--help'])\n"
            "CliRunner().invoke(app, ['adapt', '--model', 'm', '--data', 'd', '--out', 'o', '--epochs', '0'])\n"
            "print(sorted(m for m in ('torch', 'timm', 'transformers', 'matplotlib', 'sklearn', 'datasets') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
