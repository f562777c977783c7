"""Generators of bad (and odd but usable) input files for the bad-input corpus."""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image


class Payload:
    """Unpickling this creates the marker file: it stands in for arbitrary code in a weights file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def image_folder(root: Path, classes=("a", "b"), per_class: int = 4, size: int = 12) -> Path:
    """A small, valid ImageFolder: one sub-folder of PNG images per class."""
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            color = (40 * i % 256, 90 * c % 256, 200 - 30 * i)
            Image.new("RGB", (size, size), color).save(root / name / f"{i}.png")
    return root


def encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def noise(size: int = 16, mode: str = "RGB") -> Image.Image:
    pixels = np.random.default_rng(0).integers(0, 255, (size, size, 3), dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)


def truncated_jpeg(path: Path) -> Path:
    data = encoded(noise(32), "JPEG", quality=90)
    path.write_bytes(data[: len(data) // 2])
    return path


def truncated_png(path: Path) -> Path:
    data = encoded(noise(32), "PNG")
    path.write_bytes(data[: len(data) // 2])
    return path


def zero_bytes(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def text_named_as_image(path: Path) -> Path:
    path.write_text("this is a note, not a picture\n")
    return path


def png_16bit(path: Path) -> Path:
    values = (np.arange(16 * 16, dtype=np.uint16).reshape(16, 16) * 250).astype(np.uint16)
    Image.fromarray(values).save(path)  # mode I;16
    return path


def cmyk_jpeg(path: Path) -> Path:
    noise(16, "CMYK").save(path, format="JPEG")
    return path


def palette_png_with_transparency(path: Path) -> Path:
    image = noise(16).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    image.save(path, transparency=0)
    return path


def decompression_bomb_png(path: Path, side: int = 100_000) -> Path:
    """A tiny PNG whose header claims side x side pixels (10 billion): decoders must refuse before allocating."""
    data = bytearray(encoded(Image.new("L", (1, 1)), "PNG"))
    ihdr = 8 + 8  # signature, then length + type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", side, side)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13])) & 0xFFFFFFFF
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))
    return path


def one_pixel(path: Path) -> Path:
    Image.new("RGB", (1, 1), (200, 10, 10)).save(path)
    return path


def png_named_jpg(path: Path) -> Path:
    path.write_bytes(encoded(noise(16), "PNG"))
    return path


def animated_gif(path: Path) -> Path:
    frames = [Image.new("P", (12, 12), i) for i in (1, 50, 100)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=50, loop=0)
    return path


def evil_pickle(path: Path, marker: Path) -> Path:
    """A torch checkpoint whose unpickling would create `marker`."""
    torch.save({"conv.weight": torch.zeros(1), "evil": Payload(str(marker))}, path)
    return path


def evil_plain_pickle(path: Path, marker: Path) -> Path:
    path.write_bytes(pickle.dumps({"evil": Payload(str(marker))}))
    return path
