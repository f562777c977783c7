"""Real targets for the benchmarks, written once into a folder: a stratified sample of Fashion-MNIST (IDX files, its
given train/t10k splits kept) and texture patches cut from scikit-image's bundled photographs (an ImageFolder).

Both are real images that install offline (Debian's dataset-fashion-mnist; scikit-image). The sample keeps the
benchmarks' evaluation affordable on a CPU: the full Fashion-MNIST validates on 12,000 and tests on 10,000 images.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
from PIL import Image

from transferkit.data.fashion_mnist import FASHION_MNIST_CLASSES, FASHION_MNIST_DIR
from transferkit.data.idx_files import find_idx_sets, read_idx_set

# texture classes: scikit-image photographs whose 32x32 patches are one kind of surface each
TEXTURES = ("brick", "grass", "gravel", "moon", "cell", "hubble_deep_field", "immunohistochemistry", "retina")
PATCH = 32
PATCHES_PER_CLASS = 200


def write_idx(path: Path, array: np.ndarray) -> None:
    """One gzipped IDX file of unsigned bytes (images N x H x W, or labels N)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_idx_set(folder: Path, images: np.ndarray, labels: np.ndarray, classes) -> str:
    """`idx:FOLDER` holding one set without given splits: the images, their labels and classes.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "data-images-idx3-ubyte.gz", images)
    write_idx(folder / "data-labels-idx1-ubyte.gz", labels)
    (folder / "classes.txt").write_text("\n".join(classes) + "\n", encoding="utf-8")
    return f"idx:{folder}"


def _stratified(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    classes = np.unique(labels)
    per_class = count // len(classes)
    picked = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in classes]
    return np.sort(np.concatenate(picked))


def _fashion_picks(train: int, test: int, seed: int):
    """(set name, images, labels, the sample's indices) of each Fashion-MNIST set, the same per class."""
    rng = np.random.default_rng(seed)
    for idx_set in find_idx_sets(FASHION_MNIST_DIR):
        images, labels = read_idx_set(idx_set)
        yield idx_set.name, images, labels, _stratified(labels, train if idx_set.name == "train" else test, rng)


def fashion_sample(folder: Path, train: int = 6000, test: int = 2000, seed: int = 0) -> str:
    """`idx:FOLDER` holding `train` training and `test` t10k images of Fashion-MNIST, the same number per class."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, images, labels, keep in _fashion_picks(train, test, seed):
        write_idx(folder / f"{name}-images-idx3-ubyte.gz", images[keep])
        write_idx(folder / f"{name}-labels-idx1-ubyte.gz", labels[keep])
    (folder / "classes.txt").write_text("\n".join(FASHION_MNIST_CLASSES) + "\n", encoding="utf-8")
    return f"idx:{folder}"


def fashion_pool(folder: Path, count: int, train: int = 6000, test: int = 2000, seed: int = 0) -> str:
    """`idx:FOLDER` holding `count` Fashion-MNIST training images outside `fashion_sample(train, test, seed)`'s, the
    same number per class: unlabelled images of the sample's own distribution (their labels are never trained on)."""
    for name, images, labels, keep in _fashion_picks(train, test, seed):
        if name == "train":
            rest = np.setdiff1d(np.arange(len(labels)), keep)
            pool = rest[_stratified(labels[rest], count, np.random.default_rng(seed + 1))]
            return write_idx_set(folder, images[pool], labels[pool], FASHION_MNIST_CLASSES)
    raise FileNotFoundError(f"No training set of Fashion-MNIST in {FASHION_MNIST_DIR}.")


def texture_patches(folder: Path, seed: int = 0) -> str:
    """An ImageFolder of grey 32x32 patches, PATCHES_PER_CLASS per class, non-overlapping, from the TEXTURES photos."""
    import skimage.data
    from skimage.color import rgb2gray

    rng = np.random.default_rng(seed)
    for name in TEXTURES:
        out = folder / name
        if out.is_dir() and len(list(out.glob("*.png"))) == PATCHES_PER_CLASS:
            continue
        image = getattr(skimage.data, name)()
        if image.ndim == 3:
            image = (rgb2gray(image[..., :3]) * 255).astype(np.uint8)
        rows, cols = image.shape[0] // PATCH, image.shape[1] // PATCH
        cells = rng.permutation(rows * cols)[:PATCHES_PER_CLASS]
        out.mkdir(parents=True, exist_ok=True)
        for i, cell in enumerate(cells):
            r, c = divmod(int(cell), cols)
            patch = image[r * PATCH:(r + 1) * PATCH, c * PATCH:(c + 1) * PATCH]
            Image.fromarray(patch).save(out / f"{name}-{i:03d}.png")
    return str(folder)
