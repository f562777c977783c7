"""Splits larger than the memory budget stream from disk: decoded in worker processes, the same pixels as in memory."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from transferkit import adapt
from transferkit.data import Preprocessing, StreamedImages, StreamedTraining, load_data
from transferkit.settings import ReadSettings
from transferkit.data.loading import read_images
from transferkit.engine.phase_setup.schedules import lr_factor

from use.folder_data import write_image_folder

PRE = Preprocessing(input_size=(3, 16, 16))


@pytest.fixture(autouse=True)
def _workers_for_every_size(monkeypatch):
    monkeypatch.setattr("transferkit.data.streamed_images.PARALLEL_MIN_IMAGES", 1)  # small splits use workers too


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("stream") / "images")


def split_bytes(splits, name: str) -> int:
    return len(getattr(splits, name)) * 3 * 16 * 16


def test_a_zero_budget_streams_every_split_with_the_pixels_of_the_in_memory_path(folder):
    in_memory = load_data(str(folder), PRE, seed=1, progress=False, reading=ReadSettings(workers=0))
    streamed = load_data(str(folder), PRE, seed=1, progress=False, reading=ReadSettings(workers=2, memory_budget=0))
    for name in ("train", "val", "test"):
        part = getattr(streamed, name)
        assert isinstance(part.images, StreamedImages)
        assert isinstance(getattr(in_memory, name).images, torch.Tensor)
        assert part.images.shape == getattr(in_memory, name).images.shape
        batches = torch.cat(list(part.images.batches(7)))  # decoded by 2 worker processes
        assert torch.equal(batches, getattr(in_memory, name).images)
        assert torch.equal(part.images[3:9], getattr(in_memory, name).images[3:9])
        assert part.fingerprint == getattr(in_memory, name).fingerprint
    reads = {name: split["read"] for name, split in streamed.summary()["splits"].items()}
    assert reads == {"train": "streamed", "val": "streamed", "test": "streamed"}
    assert {s["read"] for s in in_memory.summary()["splits"].values()} == {"in memory"}


def test_the_budget_keeps_the_splits_that_fit_in_memory_in_order(folder):
    probe = load_data(str(folder), PRE, seed=0, progress=False)
    train, val, test = (split_bytes(probe, name) for name in ("train", "val", "test"))
    assert val + test < train
    streamed = {}
    for budget in (train, train - 1):  # train fits and then nothing else; or train does not, and the others do
        splits = load_data(str(folder), PRE, seed=0, progress=False, reading=ReadSettings(0, budget))
        streamed[budget] = [isinstance(getattr(splits, n).images, StreamedImages) for n in ("train", "val", "test")]
    assert streamed == {train: [False, True, True], train - 1: [True, False, False]}


def test_parallel_reading_decodes_the_same_pixels(folder):
    source_images = load_data(str(folder), PRE, seed=0, progress=False, reading=ReadSettings(0, 0)).train.images
    source, indices = source_images.source, np.arange(len(source_images.source))
    serial = read_images(source, indices, PRE, progress=False, workers=0)
    parallel = read_images(source, indices, PRE, progress=False, workers=2)
    assert torch.equal(serial, parallel)


def test_standard_augmentation_crops_from_the_original_image(tmp_path):
    root = tmp_path / "big"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    # left half black, right half white, at 8x the input size: a crop from the original keeps sharp edges
    pixels = np.zeros((128, 128, 3), np.uint8)
    pixels[:, 64:] = 255
    for name in ("a", "b"):
        for i in range(5):
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    splits = load_data(str(root), PRE, seed=0, progress=False, reading=ReadSettings(0, 0))
    training = StreamedTraining(splits.train.images, splits.train.labels, "standard")
    torch.manual_seed(0)
    crops = torch.stack([training[i % len(training)][0] for i in range(40)])
    assert crops.shape[1:] == (3, 16, 16) and crops.dtype == torch.uint8
    evaluated = splits.train.images[0]
    assert not all(torch.equal(crop, evaluated) for crop in crops)  # random crops and flips
    flipped = sum(bool(crop[0, 0, 0] == 255) for crop in crops)  # a horizontal flip puts white on the left
    assert 0 < flipped < len(crops)


@pytest.mark.integration
@pytest.mark.parametrize("strategy, cache", [("partial:k=1", "off"), ("linear-probe", "auto")])
def test_a_streamed_run_trains_the_same_weights_as_the_in_memory_run(tiny_model_dir, folder, tmp_path, strategy, cache):
    from safetensors.torch import load_file

    runs = {}
    for name, budget in (("memory", "2GB"), ("streamed", "0")):
        out = tmp_path / name
        adapt(str(tiny_model_dir), str(folder), strategy, out=out, epochs=2, seed=0, cache=cache, workers=2,
              data_mem=budget, progress=False)
        runs[name] = out
    record = json.loads((runs["streamed"] / "run.json").read_text())
    assert {s["read"] for s in record["data"]["splits"].values()} == {"streamed"}
    assert record["spec"]["execution"]["data_mem"] == 0 and record["spec"]["execution"]["workers"] == 2
    assert record["plan"]["phases"][0]["inputs"]["used"] is (cache == "auto")  # the feature cache reads streamed data
    memory = load_file(runs["memory"] / "model.safetensors")
    streamed = load_file(runs["streamed"] / "model.safetensors")
    assert memory.keys() == streamed.keys()
    assert all(torch.equal(memory[k], streamed[k]) for k in memory)


def test_max_steps_ends_every_epoch_after_that_many_batches(tiny_model_dir, folder, tmp_path):
    adapt(str(tiny_model_dir), str(folder), "partial:k=1", out=tmp_path / "run", epochs=2, batch_size=8, max_steps=3,
          cache="off", data_mem="0", workers=2, progress=False)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["plan"]["phases"][0]["max_steps"] == 3
    # the schedule spans 2 epochs of 3 steps (not of 9: 72 training images in batches of 8)
    applied = [next(iter(epoch["groups"].values())) for epoch in record["plan"]["phases"][0]["lr_applied"]]
    assert applied[1]["start"] == pytest.approx(1e-3 * lr_factor("cosine", 3, 6, 0.1))
    assert applied[1]["end"] == pytest.approx(1e-3 * lr_factor("cosine", 5, 6, 0.1))


@pytest.mark.parametrize("spec, flips", [("digits", False), ("synthetic:glyphs?classes=3&per_class=4&size=8", False),
                                         ("FOLDER", True)])
def test_standard_augmentation_flips_only_data_whose_classes_survive_mirroring(spec, flips, folder):
    from transferkit.data import make_augmentation

    splits = load_data(str(folder) if spec == "FOLDER" else spec, PRE, progress=False)
    assert splits.flip is flips and splits.summary()["horizontal_flip"] is flips
    augment = make_augmentation("standard", (16, 16), splits.flip)
    image = torch.zeros((3, 16, 16), dtype=torch.uint8)
    image[:, :, :8] = 255  # left half white: full-area crops keep it on the left unless flipped
    torch.manual_seed(0)
    crop_only = make_augmentation("standard", (16, 16), False)
    mirrored = 0
    for _ in range(30):
        state = torch.get_rng_state()
        out = augment(image)
        torch.set_rng_state(state)
        mirrored += not torch.equal(out, crop_only(image))
    assert (mirrored > 0) is flips


def test_files_are_checked_in_worker_processes_with_the_same_outcome(folder, tmp_path, monkeypatch):
    import shutil

    from transferkit.data import open_source

    copy = shutil.copytree(folder, tmp_path / "copy")
    (copy / sorted(p.name for p in copy.iterdir())[0] / "broken.png").write_bytes(b"\x89PNG not really")
    serial = open_source(str(copy), progress=False)
    monkeypatch.setattr("transferkit.data.file_check.PARALLEL_MIN_FILES", 1)
    parallel = open_source(str(copy), progress=False)
    assert parallel.item_ids() == serial.item_ids() and len(parallel) == len(serial) == 120
    assert parallel.skipped == serial.skipped and [s["path"].endswith("broken.png") for s in serial.skipped] == [True]


def test_stage_features_of_streamed_images_equal_those_of_the_same_images_in_memory(tiny_model_dir, folder):
    from transferkit.api import load_model
    from transferkit.diagnosis.stage_features import extract_stage_features

    backbone = load_model(str(tiny_model_dir))
    pre = backbone.preprocessing
    streamed = load_data(str(folder), pre, progress=False, reading=ReadSettings(2, 0)).train.images
    in_memory = load_data(str(folder), pre, progress=False, reading=ReadSettings(0)).train.images
    a = extract_stage_features(backbone, streamed, batch_size=16)
    b = extract_stage_features(backbone, in_memory, batch_size=16)
    assert a.stages.keys() == b.stages.keys()
    assert all(np.array_equal(a.stages[s], b.stages[s]) for s in a.stages)


class _Refuses(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        from transferkit.errors import DataError

        raise DataError(f"Image {i} changed on disk after the data was opened; reopen the data.")


def test_an_error_in_a_decoding_worker_reads_as_its_own_one_line_message():
    from transferkit.errors import DataError, one_line

    with pytest.raises(DataError) as caught:
        next(iter(torch.utils.data.DataLoader(_Refuses(), batch_size=2, num_workers=1)))
    assert "Original Traceback" in str(caught.value)  # as PyTorch re-raises it
    assert one_line(caught.value) == "Image 0 changed on disk after the data was opened; reopen the data."
    assert one_line(DataError("plain message")) == "plain message"


def test_a_file_changed_after_opening_stops_a_streamed_read_and_the_same_bytes_rewritten_do_not(tmp_path):
    from transferkit.errors import DataError

    root = write_image_folder(tmp_path / "images")
    splits = load_data(str(root), PRE, seed=0, progress=False, reading=ReadSettings(workers=0, memory_budget=0))
    source = splits.test.images.source
    path = source.entries[int(splits.test.images.indices[0])].path
    before = splits.test.images[0]
    path.write_bytes(path.read_bytes())  # a new modification time, the same content
    assert torch.equal(splits.test.images[0], before)
    Image.fromarray(np.full((16, 16, 3), 7, dtype=np.uint8)).save(path)
    with pytest.raises(DataError, match="changed on disk after the data was opened"):
        splits.test.images[0]
