"""Corpus cases about data: image files in a folder, CSV lists and class lists."""

from __future__ import annotations

import builtins
import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

from support import bad_files as bf
from corpus_context import Case, Context

import transferkit.data.fashion_mnist as fashion_mnist
import transferkit.data.image_files as image_files

TOLERANT = ("--max-bad-fraction", "0.5")  # one bad image in these small folders is far above the 1% default


def too_many_bad_images(ctx: Context) -> list[str]:
    folder = ctx.folder()
    bf.truncated_jpeg(folder / "a" / "cut.jpg")
    return ctx.adapt(str(folder))


def with_bad_image(make: Callable[[Path], Path], name: str) -> Callable[[Context], list[str]]:
    def build(ctx: Context) -> list[str]:
        folder = ctx.folder()
        make(folder / "a" / name)
        return ctx.adapt(str(folder), *TOLERANT)

    return build


def unreadable(ctx: Context) -> list[str]:
    folder = ctx.folder()
    locked = bf.noise(8)
    path = folder / "a" / "locked.png"
    locked.save(path)
    path.chmod(0)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root reads anything: deny at the open() the reader uses
        def deny(file, *args, **kwargs):
            if Path(file) == path:
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return builtins.open(file, *args, **kwargs)

        ctx.monkeypatch.setattr(image_files, "open", deny, raising=False)
    return ctx.adapt(str(folder), *TOLERANT)


def symlink_loop_files(ctx: Context) -> list[str]:
    folder = ctx.folder()
    os.symlink("loop2.jpg", folder / "a" / "loop1.jpg")
    os.symlink("loop1.jpg", folder / "a" / "loop2.jpg")
    return ctx.adapt(str(folder), *TOLERANT)


def broken_symlink(ctx: Context) -> list[str]:
    folder = ctx.folder()
    os.symlink(ctx.root / "gone.png", folder / "b" / "gone.png")
    return ctx.adapt(str(folder), *TOLERANT)


def symlink_loop_folder(ctx: Context) -> list[str]:
    folder = ctx.folder()
    os.symlink(folder / "a", folder / "a" / "again")
    return ctx.adapt(str(folder))


def unicode_paths(ctx: Context) -> list[str]:
    folder = bf.image_folder(ctx.root / "données à moi", classes=("café au lait", "thé vert 緑"))
    Image = bf.Image
    Image.new("RGB", (9, 9), (1, 2, 3)).save(folder / "café au lait" / "ñandú 1 .png")
    ctx.out = ctx.root / "runs ü" / "run 1 ✓"
    return ctx.adapt(str(folder))


def check_unicode(ctx: Context, record: dict | None) -> None:
    assert record["data"]["classes"] == ["café au lait", "thé vert 緑"]
    assert record["data"]["splits"]["train"]["images"] + record["data"]["splits"]["val"]["images"] \
        + record["data"]["splits"]["test"]["images"] == 9


def non_image_file(ctx: Context) -> list[str]:
    folder = ctx.folder()
    (folder / "a" / "notes.txt").write_text("labels checked by hand\n")
    return ctx.adapt(str(folder))


def class_with_one_image(ctx: Context) -> list[str]:
    folder = ctx.folder()
    bf.image_folder(folder, classes=("c",), per_class=1)
    return ctx.adapt(str(folder))


def all_unreadable_in_class(ctx: Context) -> list[str]:
    folder = ctx.folder()
    (folder / "c").mkdir()
    for i in range(3):
        bf.zero_bytes(folder / "c" / f"{i}.jpg")
    return ctx.adapt(str(folder))


def single_class(ctx: Context) -> list[str]:
    return ctx.adapt(str(ctx.folder(classes=("only",))))


def class_list_order(ctx: Context) -> list[str]:
    return ctx.adapt(str(ctx.folder()), "--classes", "b,a")


def check_class_order(ctx: Context, record: dict | None) -> None:
    assert record["data"]["classes"] == ["b", "a"]
    assert record["spec"]["data"]["classes"] == ["b", "a"]
    model_json = json.loads((ctx.out / "model.json").read_text())
    assert model_json["classes"] == ["b", "a"]


def latin1_csv(ctx: Context) -> list[str]:
    path = ctx.root / "latin.csv"
    path.write_bytes("path,label\nr\xe9sum\xe9.png,a\n".encode("latin-1"))
    return ctx.adapt(f"csv:{path}")


def idx_without_labels(ctx: Context) -> list[str]:
    folder = ctx.root / "idx"
    folder.mkdir()
    header = bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2])  # one 2x2 image
    (folder / "train-images-idx3-ubyte").write_bytes(header + b"\1" * 4)
    return ctx.adapt(f"idx:{folder}")


def fashion_mnist_absent(ctx: Context) -> list[str]:
    ctx.monkeypatch.setattr(fashion_mnist, "FASHION_MNIST_DIR", ctx.root / "not-installed")
    return ctx.adapt("fashion-mnist")


def train_test_folders(ctx: Context) -> list[str]:
    root = ctx.root / "split"
    ctx.folder("split/train", per_class=6)
    ctx.folder("split/test", per_class=2, size=10)  # other pixels than the train images
    return ctx.adapt(str(root))


def check_carved_validation(ctx: Context, record: dict | None) -> None:
    data = record["data"]
    assert data["given_splits"]["given"] == ["train", "test"] and "val" in data["given_splits"]["carved"]
    assert [data["splits"][n]["images"] for n in ("train", "val", "test")] == [10, 2, 4]


def duplicate_across_classes(ctx: Context) -> list[str]:
    folder = ctx.folder()
    (folder / "b" / "copy.png").write_bytes((folder / "a" / "1.png").read_bytes())
    return ctx.adapt(str(folder))


def check_duplicates_recorded(ctx: Context, record: dict | None) -> None:
    found = record["data"]["duplicates"]["across_classes"]
    assert found["groups"] == 1 and found["images"] == 2


def one_folder_too_deep(ctx: Context) -> list[str]:
    ctx.folder("outer/dataset")
    return ctx.adapt(str(ctx.root / "outer"))


DATA_CASES = [
    # images inside an otherwise good folder
    Case("too-many-bad-images", "error", too_many_bad_images, ("1 of 9 images", "unreadable", "--max-bad-fraction")),
    Case("truncated-jpeg", "skip", with_bad_image(bf.truncated_jpeg, "cut.jpg"), ("Left out 1 unreadable",), 1),
    Case("truncated-png", "skip", with_bad_image(bf.truncated_png, "cut.png"), ("truncated",), 1),
    Case("zero-byte-file", "skip", with_bad_image(bf.zero_bytes, "empty.jpg"), ("empty file",), 1),
    Case("text-named-jpg", "skip", with_bad_image(bf.text_named_as_image, "note.jpg"), ("not a recognised",), 1),
    Case("decompression-bomb", "skip", with_bad_image(bf.decompression_bomb_png, "bomb.png"), ("too many pixels",), 1),
    Case("unreadable-file", "skip", unreadable, ("permission denied",), 1),
    Case("symlink-loop-files", "skip", symlink_loop_files, ("Left out 2",), 2),
    Case("broken-symlink", "skip", broken_symlink, ("broken link",), 1),
    Case("16-bit-png", "accepted", with_bad_image(bf.png_16bit, "deep.png")),
    Case("cmyk-jpeg", "accepted", with_bad_image(bf.cmyk_jpeg, "print.jpg")),
    Case("palette-png-transparency", "accepted", with_bad_image(bf.palette_png_with_transparency, "pal.png")),
    Case("one-pixel-image", "accepted", with_bad_image(bf.one_pixel, "dot.png")),
    Case("png-named-jpg", "accepted", with_bad_image(bf.png_named_jpg, "actually-png.jpg")),
    Case("animated-gif", "accepted", with_bad_image(bf.animated_gif, "moving.gif")),
    Case("symlink-loop-folder", "accepted", symlink_loop_folder),
    Case("unicode-and-spaces-in-paths", "accepted", unicode_paths, check=check_unicode),
    Case("non-image-file-in-class", "accepted", non_image_file, ("Ignored 1 file",)),
    Case("class-with-a-single-image", "error", class_with_one_image, ("Class 'c' has 1 image", "at least 3")),
    Case("single-class", "error", single_class, ("only one class", "2 classes")),
    Case("class-without-readable-images", "error", all_unreadable_in_class, ("'c'", "no readable images")),
    # CSV lists and class lists
    Case("csv-missing-columns", "error", lambda ctx: ctx.adapt(ctx.csv("file,target\ndata/a/0.png,a\n")),
         ("no 'path' and 'label' columns",)),
    Case("csv-duplicate-rows", "error",
         lambda ctx: ctx.adapt(ctx.csv("path,label\ndata/a/0.png,a\ndata/b/0.png,b\ndata/a/0.png,a\n")),
         ("twice", "lines 2 and 4")),
    Case("csv-missing-files", "error", lambda ctx: ctx.adapt(ctx.csv("path,label\ndata/a/0.png,a\ndata/a/9.png,a\n")),
         ("do not exist", "data/a/9.png")),
    Case("csv-label-not-in-class-list", "error",
         lambda ctx: ctx.adapt(ctx.csv("".join(["path,label\n"] + [f"data/{c}/{i}.png,{c}\n" for c in "ab" for i in range(4)])),
                               "--classes", "a,c"),
         ("Label 'b'", "not in the given class list", "data/b/0.png")),
    Case("csv-not-utf8", "error", latin1_csv, ("not UTF-8",)),
    Case("csv-empty-label", "error", lambda ctx: ctx.adapt(ctx.csv("path,label\ndata/a/0.png,\n")), ("empty 'label'",)),
    Case("csv-header-only", "error", lambda ctx: ctx.adapt(ctx.csv("path,label\n")), ("no rows",)),
    Case("class-list-names-a-missing-class", "error", lambda ctx: ctx.adapt(str(ctx.folder()), "--classes", "a,b,zebra"),
         ("Class 'zebra'", "has no images")),
    Case("class-list-repeats-a-class", "error", lambda ctx: ctx.adapt(str(ctx.folder()), "--classes", "a,b,a"),
         ("listed twice",)),
    Case("class-list-reorders-classes", "accepted", class_list_order, check=check_class_order),
    Case("data-set-one-folder-too-deep", "error", one_folder_too_deep, ("only one class folder", "dataset instead")),
    Case("labels-differ-by-spaces", "accepted",
         lambda ctx: ctx.adapt(ctx.csv("".join(["path,label\n"] + [f"data/{c}/{i}.png,{c}{' ' * (i % 2)}\n"
                                                                  for c in "ab" for i in range(4)]))),
         ("differ only by surrounding spaces",)),
    Case("duplicate-image-in-two-classes", "accepted", duplicate_across_classes, ("1 image under two or more classes",),
         check=check_duplicates_recorded),
    Case("train-and-test-folders", "accepted", train_test_folders, check=check_carved_validation),
    # IDX files
    Case("idx-images-without-labels", "error", idx_without_labels, ("no train-labels-idx1-ubyte",)),
    Case("fashion-mnist-not-installed", "error", fashion_mnist_absent, ("apt-get install dataset-fashion-mnist",)),
]
