"""Reading one image file: bytes, sha256, a guarded full decode, and conversion to 8-bit RGB."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_16BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


class UnreadableImage(Exception):
    """A file that cannot be used as an image; the message is a short reason."""


def is_image_name(name: str) -> bool:
    """True for a visible file name with a supported image extension (any case)."""
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def read_bytes(path: Path) -> bytes:
    """The file's bytes; raises UnreadableImage with a short reason when the file cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except PermissionError:
        raise UnreadableImage("permission denied") from None
    except FileNotFoundError:
        raise UnreadableImage("file not found (broken link?)") from None
    except IsADirectoryError:
        raise UnreadableImage("is a directory") from None
    except OSError as e:
        raise UnreadableImage(f"cannot read file ({e.strerror or type(e).__name__})") from None


def load_image(path: Path) -> tuple[np.ndarray, str]:
    """Read, hash and fully decode an image file -> (uint8 RGB array (H, W, 3), sha256 hex of the bytes)."""
    data = read_bytes(path)
    return decode_rgb(data), hashlib.sha256(data).hexdigest()


def decode_rgb(data: bytes) -> np.ndarray:
    """Fully decode image bytes to uint8 RGB (H, W, 3), with PIL's decompression-bomb guard active.

    EXIF orientation is applied, so images come out as image viewers show them.
    """
    return _decoded(data, to_rgb)


def decode_image(data: bytes) -> Image.Image:
    """`decode_rgb` as an RGB PIL image (no array copies where the file is plain RGB), for PIL-based transforms."""
    return _decoded(data, to_rgb_image)


def _decoded(data: bytes, convert):
    if not data:
        raise UnreadableImage("empty file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data))  # in-memory bytes: nothing to close
            im.load()
            return convert(_upright(im))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise UnreadableImage("too many pixels (decompression-bomb guard)") from None
        except UnidentifiedImageError:
            raise UnreadableImage("not a recognised image format") from None
        except OSError:
            raise UnreadableImage("truncated or corrupt image data") from None
        except Exception as e:  # noqa: BLE001 - decoders of untrusted files raise many kinds of errors
            raise UnreadableImage(f"corrupt image ({type(e).__name__})") from None


def to_rgb_image(im: Image.Image) -> Image.Image:
    """`to_rgb` as a PIL image: a plain RGB image as it is, other modes converted as `to_rgb` converts them."""
    if im.mode == "RGB" and "transparency" not in im.info:
        return im
    return Image.fromarray(to_rgb(im))


def to_rgb(im: Image.Image) -> np.ndarray:
    """Any PIL mode -> uint8 RGB (H, W, 3).

    16-bit grayscale is scaled (not clipped) to 8 bits; 32-bit integer and float images are scaled
    from their value range; images with transparency are composited onto black.
    """
    mode = im.mode
    if mode in _16BIT_MODES:
        return _gray_to_rgb(np.round(np.asarray(im, dtype=np.float64) / 257.0))
    if mode == "I":
        return _gray_to_rgb(_scale_wide(np.asarray(im, dtype=np.float64), integer=True))
    if mode == "F":
        return _gray_to_rgb(_scale_wide(np.asarray(im, dtype=np.float64), integer=False))
    if mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.uint16)
        rgb = (rgba[..., :3] * rgba[..., 3:] + 127) // 255  # composite onto black
        return rgb.astype(np.uint8)
    return np.array(im.convert("RGB"), dtype=np.uint8)  # a writable copy


def _scale_wide(a: np.ndarray, integer: bool) -> np.ndarray:
    """Map a wide-range gray image to 0..255: 8-bit and 16-bit integer ranges and 0..1 floats as such."""
    a = np.nan_to_num(a)
    lo, hi = float(a.min(initial=0.0)), float(a.max(initial=0.0))
    if lo >= 0 and hi <= 255 and (integer or hi > 1):
        return np.round(a)
    if integer and lo >= 0 and hi <= 65535:
        return np.round(a / 257.0)
    if not integer and lo >= 0 and hi <= 1:
        return np.round(a * 255.0)
    return np.round((a - lo) / max(hi - lo, 1e-12) * 255.0)


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    g = np.clip(gray, 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def _upright(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag; images with broken EXIF data are left as they are."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # noqa: BLE001 - broken EXIF must not make a decodable image unreadable
        return im
