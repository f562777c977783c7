"""Shifted variants of synthetic:glyphs: input-, feature- and output-level shifts of the same classes."""

from __future__ import annotations

import numpy as np
import pytest

from transferkit.data import open_source
from transferkit.data.unlabeled import load_unlabeled
from transferkit.data.preprocessing import Preprocessing
from transferkit.errors import DataError

from support.assertions import assert_one_line_error

BASE = "synthetic:glyphs?classes=6&per_class=12&size=16"


def glyphs(query: str = ""):
    return open_source(f"{BASE}&{query}" if query else BASE, progress=False)


def test_a_shifted_set_is_another_sample_of_the_same_classes_by_default():
    source, shifted, same_sample = glyphs(), glyphs("shift=invert"), glyphs("sample=1")
    assert shifted.classes == source.classes
    # not the source's images, inverted ...
    assert np.abs(shifted.images.astype(int) - (255 - source.images.astype(int))).mean() > 20
    # ... but sample 1's, pixel for pixel
    assert np.abs(shifted.images.astype(int) - (255 - same_sample.images.astype(int))).max() <= 1
    assert np.array_equal(shifted.labels, same_sample.labels)
    assert glyphs("shift=invert&sample=0").images.tolist() != shifted.images.tolist()


def test_contrast_noise_and_blur_follow_their_severity():
    plain = glyphs("sample=1").images.astype(float)
    spread = plain.std(axis=(1, 2))
    ratios = [np.median(glyphs(f"shift=contrast&severity={s}").images.astype(float).std(axis=(1, 2)) / spread)
              for s in (1, 3, 5)]
    assert ratios[0] == pytest.approx(0.4, abs=0.03) and ratios[1] == pytest.approx(0.2, abs=0.03)
    assert ratios[2] < ratios[1] < ratios[0]
    noise = [np.abs(glyphs(f"shift=noise&severity={s}").images.astype(float) - plain).mean() for s in (1, 5)]
    assert 5 < noise[0] < noise[1]
    def edges(x):
        return np.abs(np.diff(x, axis=2)).mean()
    assert edges(glyphs("shift=blur&severity=5").images.astype(float)) < 0.8 * edges(plain)


def test_subpopulation_moves_every_class_but_keeps_it_recognisable():
    plain, variant = glyphs("sample=1"), glyphs("shift=subpopulation&severity=3")
    assert np.array_equal(plain.labels, variant.labels)
    a, b = plain.images.astype(float), variant.images.astype(float)
    assert np.abs(a - b).mean() > 5  # same per-image drawing numbers, other class shapes
    means = np.stack([a[plain.labels == c].mean(0) for c in range(6)])
    nearest = np.argmin(((b[:, None] - means[None]) ** 2).sum(axis=(2, 3)), axis=1)
    assert (nearest == variant.labels).mean() > 0.5  # still closest to its own class (chance: 1/6)
    ink = (a > 0).mean(), (b > 0).mean()
    assert ink[1] == pytest.approx(ink[0], rel=0.25)  # same stroke style


def test_regroup_keeps_the_images_and_joins_classes_into_groups():
    plain, grouped = glyphs("sample=1"), glyphs("shift=regroup&groups=3")
    assert np.array_equal(plain.images, grouped.images)
    assert grouped.classes == ["group000", "group001", "group002"]
    mapping = {}
    for old, new in zip(plain.labels, grouped.labels):
        assert mapping.setdefault(int(old), int(new)) == new  # one group per glyph class
    assert sorted(set(mapping.values())) == [0, 1, 2] and len(mapping) == 6
    assert len(glyphs("shift=regroup").classes) == 3  # default: half the classes


def test_shift_is_part_of_the_fingerprint_and_unshifted_records_are_unchanged():
    assert glyphs().fingerprint() != glyphs("sample=1").fingerprint() != glyphs("shift=blur").fingerprint()
    assert "shift" not in glyphs().config.to_dict() and "sample" not in glyphs().config.to_dict()
    assert glyphs("shift=blur").config.to_dict()["shift"] == {"kind": "blur", "level": "input", "severity": 3}


@pytest.mark.parametrize("query, words", [
    ("shift=fog", ["'shift'", "noise", "contrast", "subpopulation", "regroup", "'fog'"]),
    ("shift=invert&severity=2", ["'severity'", "shift=invert", "remove it"]),
    ("severity=2", ["'severity'", "shift=none"]),
    ("shift=blur&severity=6", ["'severity'", "from 1 to 5"]),
    ("groups=3", ["'groups'", "shift=regroup"]),
    ("shift=regroup&groups=6", ["'groups'", "below classes (6)"]),
    ("tint=1", ["Unknown option 'tint'", "shift (none; input-level: noise, blur, contrast, invert; feature-level: "
                "subpopulation; output-level: regroup)", "severity", "sample"]),
])
def test_bad_shift_options_get_one_line(query, words):
    assert_one_line_error(DataError, lambda: glyphs(query), *words)


def test_unlabeled_folder_in_any_layout(tmp_path):
    from PIL import Image

    (tmp_path / "a" / "deep").mkdir(parents=True)
    for i, where in enumerate(["x.png", "a/y.png", "a/deep/z.jpg"]):
        Image.fromarray(np.full((10, 12, 3), 40 * i, np.uint8)).save(tmp_path / where)
    (tmp_path / "notes.txt").write_text("not an image")
    images = load_unlabeled(str(tmp_path), Preprocessing(input_size=(3, 8, 8)), progress=False)
    assert images.images.shape == (3, 3, 8, 8)
    assert sorted(images.images[:, 0, 4, 4].tolist()) == [0, 40, 80]
    from_spec = load_unlabeled("synthetic:glyphs?classes=3&per_class=2&size=8", Preprocessing(input_size=(3, 8, 8)),
                               progress=False)
    assert len(from_spec) == 6


def test_unlabeled_folder_errors(tmp_path):
    pre = Preprocessing(input_size=(3, 8, 8))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(DataError, lambda: load_unlabeled(str(empty), pre, progress=False), "no images", str(empty))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.png").write_bytes(b"not a png")
    assert_one_line_error(DataError, lambda: load_unlabeled(str(broken), pre, progress=False),
                          "no readable images", "1 unreadable")
    assert_one_line_error(DataError, lambda: load_unlabeled(str(tmp_path / "nope"), pre, progress=False),
                          "does not exist")
