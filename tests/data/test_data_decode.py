"""Decoding: mode conversion to 8-bit RGB, and unreadable files left out, recorded and warned about once."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from transferkit.data import Preprocessing, open_source
from transferkit.data import image_files
from transferkit.data.image_files import UnreadableImage, decode_rgb
from transferkit.errors import DataError


def encode(im: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def write_image(path: Path, color=(200, 30, 30), size=(10, 10)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def test_16bit_png_is_scaled_not_clipped():
    values = np.array([[0, 257 * 100], [40000, 65535]], dtype=np.uint16)
    im = Image.fromarray(values)
    assert im.mode == "I;16"
    rgb = decode_rgb(encode(im))
    assert rgb.dtype == np.uint8 and rgb.shape == (2, 2, 3)
    assert rgb[..., 0].tolist() == [[0, 100], [156, 255]]  # 40000 / 257 = 155.6; clipping would give 255
    assert (rgb[..., 0] == rgb[..., 2]).all()


def test_cmyk_becomes_rgb():
    rgb = decode_rgb(encode(Image.new("CMYK", (3, 2), (0, 255, 255, 0)), "TIFF"))
    assert rgb.shape == (2, 3, 3) and rgb[0, 0].tolist() == [255, 0, 0]


def test_palette_with_transparency_composited_on_black():
    im = Image.new("P", (2, 1))
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    im.putpixel((0, 0), 0)
    im.putpixel((1, 0), 1)
    im.info["transparency"] = 0
    rgb = decode_rgb(encode(im))
    assert rgb[0].tolist() == [[0, 0, 0], [0, 255, 0]]


def test_rgba_alpha_dropped_onto_black():
    im = Image.new("RGBA", (2, 1), (200, 100, 50, 255))
    im.putpixel((1, 0), (200, 100, 50, 0))
    rgb = decode_rgb(encode(im))
    assert rgb[0].tolist() == [[200, 100, 50], [0, 0, 0]]


@pytest.mark.parametrize("mode, color, expected", [("L", 77, 77), ("LA", (77, 255), 77), ("1", 1, 255)])
def test_grayscale_modes_become_three_equal_channels(mode, color, expected):
    rgb = decode_rgb(encode(Image.new(mode, (4, 3), color)))
    assert rgb.shape == (3, 4, 3) and rgb.dtype == np.uint8
    assert (rgb == expected).all()


def test_float_image_in_unit_range_is_scaled():
    rgb = decode_rgb(encode(Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32)), "TIFF"))
    assert rgb[0, :, 0].tolist() == [0, 128, 255]


def test_exif_orientation_applied():
    im = Image.new("RGB", (4, 2), (10, 20, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    rgb = decode_rgb(encode(im, "JPEG", exif=exif.tobytes()))
    assert rgb.shape == (4, 2, 3)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"this is text, not a JPEG", "not a recognised image"),
        (encode(Image.new("RGB", (64, 64), (1, 2, 3)), "JPEG")[:300], "truncated"),
    ],
)
def test_unreadable_bytes_give_short_reasons(data, reason):
    with pytest.raises(UnreadableImage, match=reason):
        decode_rgb(data)


@pytest.mark.parametrize("side", [12, 20])  # 144 px: bomb warning; 400 px: bomb error (limit 100)
def test_decompression_bomb_guard_active(monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    data = encode(Image.new("L", (side, side)))
    with pytest.raises(UnreadableImage, match="decompression-bomb"):
        decode_rgb(data)


def test_unreadable_files_skipped_recorded_and_warned_once(tmp_path, caplog, monkeypatch):
    root = tmp_path / "d"
    for i in range(3):
        write_image(root / "a" / f"ok{i}.png")
        write_image(root / "b" / f"ok{i}.png", color=(0, 0, 255))
    (root / "a" / "zero.jpg").write_bytes(b"")
    (root / "a" / "text.jpg").write_text("hello")
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    good = encode(Image.fromarray(noise))
    (root / "b" / "truncated.png").write_bytes(good[: len(good) // 2])
    denied = write_image(root / "b" / "denied.png")
    real_open = open

    def fake_open(path, *args, **kwargs):
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(image_files, "open", fake_open, raising=False)
    with caplog.at_level(logging.WARNING, logger="transferkit"):
        src = open_source(str(root), progress=False)
    assert src.class_counts() == {"a": 3, "b": 3}
    reasons = {s["path"]: s["reason"] for s in src.skipped}
    assert set(reasons) == {"a/zero.jpg", "a/text.jpg", "b/truncated.png", "b/denied.png"}
    assert reasons["a/zero.jpg"] == "empty file"
    assert reasons["b/denied.png"] == "permission denied"
    assert "truncated" in reasons["b/truncated.png"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "4 unreadable images" in warnings[0] and "a/zero.jpg" in warnings[0] and "\n" not in warnings[0]
    x = src.read(range(len(src)), Preprocessing(input_size=(3, 32, 32)))
    assert x.shape == (6, 3, 32, 32) and x.dtype == torch.uint8


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_real_permission_denied_is_skipped(tmp_path):
    root = tmp_path / "d"
    write_image(root / "a" / "ok.png")
    write_image(root / "b" / "ok.png")
    locked = write_image(root / "b" / "locked.png")
    locked.chmod(0)
    try:
        src = open_source(str(root), progress=False)
    finally:
        locked.chmod(0o644)
    assert src.skipped == [{"path": "b/locked.png", "reason": "permission denied"}]


def test_class_with_only_unreadable_images_is_an_error(tmp_path):
    root = tmp_path / "d"
    write_image(root / "a" / "ok.png")
    (root / "b").mkdir()
    (root / "b" / "bad.png").write_bytes(b"garbage")
    with pytest.raises(DataError, match="Class folder 'b'.*no readable images") as info:
        open_source(str(root), progress=False)
    assert "\n" not in str(info.value)


def test_mixed_modes_in_a_folder_read_as_rgb_uint8(tmp_path):
    root = tmp_path / "d"
    root.joinpath("a").mkdir(parents=True)
    root.joinpath("b").mkdir()
    Image.fromarray(np.full((6, 5), 30000, dtype=np.uint16)).save(root / "a" / "16bit.png")
    Image.new("CMYK", (7, 7), (0, 0, 0, 0)).save(root / "a" / "cmyk.jpg")
    Image.new("RGBA", (9, 4), (1, 2, 3, 128)).save(root / "b" / "rgba.png")
    Image.new("L", (3, 8), 200).save(root / "b" / "gray.gif")
    src = open_source(str(root), progress=False)
    assert src.skipped == []
    x = src.read(range(4), Preprocessing(input_size=(3, 32, 32)))
    assert x.shape == (4, 3, 32, 32) and x.dtype == torch.uint8
    assert abs(int(x[0, 0, 16, 16]) - round(30000 / 257)) <= 1  # 16-bit scaled, not clipped to 255
