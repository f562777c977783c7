"""Launched as several processes (accelerate launch) by tests/runs/test_multi_process.py: the training images that
each process draws from the engine's training loader in two epochs, for an image folder's training split in memory
and streamed from disk. Usage: epoch_shares.py FOLDER OUT.json; the main process writes
{"images": N, "shares": [per process: {"memory"|"streamed": {batch size: [per epoch: [batches of indices]]}}]}."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import torch
from accelerate.utils import gather_object

from transferkit.data import Preprocessing, load_data
from transferkit.settings import ReadSettings
from transferkit.engine.inputs import ImageInputs
from transferkit.engine.processes.coordination import close_processes
from transferkit.engine.processes.devices import make_accelerator
from transferkit.engine.seeding import epoch_seed
from transferkit.plans import Phase

# 72 training images: batches of 5 leave 2 after the full steps (joined to the last step), of 8 leave 8 (one more step)
BATCH_SIZES = (5, 8)
EPOCHS = 2
PREPROCESSING = Preprocessing(input_size=(3, 16, 16))


def drawn(images, accelerator) -> dict[int, list[list[list[int]]]]:
    """Per batch size and epoch, this process's batches as indices of the training split (its labels are those)."""
    train = SimpleNamespace(images=images, labels=torch.arange(len(images)))
    net = SimpleNamespace(preprocessing=PREPROCESSING)
    inputs = ImageInputs(net, None, SimpleNamespace(train=train, flip=False), accelerator)
    found = {}
    for batch_size in BATCH_SIZES:
        loader = inputs.train_loader(Phase(batch_size=batch_size, augment="none"))
        found[batch_size] = []
        for epoch in range(EPOCHS):
            torch.manual_seed(epoch_seed(0, 0, epoch, accelerator.process_index))
            found[batch_size].append([labels.tolist() for _, labels in loader])
    return found


def main(folder: str, out: str) -> None:
    accelerator = make_accelerator("cpu")
    reading = ReadSettings(workers=1, memory_budget=0)
    streamed = load_data(folder, PREPROCESSING, seed=0, progress=False, reading=reading).train
    mine = {"memory": drawn(streamed.images.read_all(progress=False), accelerator),
            "streamed": drawn(streamed.images, accelerator)}
    shares = gather_object([mine])
    if accelerator.is_main_process:
        with open(out, "w") as f:
            json.dump({"images": len(streamed), "shares": shares}, f)
    close_processes()


if __name__ == "__main__":
    main(*sys.argv[1:3])
