"""CSV sources: path,label rows relative to the CSV file's folder, and every CSV error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from transferkit.data import open_source
from transferkit.errors import DataError


def write_image(path: Path, color=(200, 30, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (9, 9), color).save(path)
    return path


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def data_error(spec: str, *words: str) -> str:
    with pytest.raises(DataError) as info:
        open_source(spec, progress=False)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


@pytest.fixture
def images(tmp_path) -> Path:
    for i, name in enumerate(["a.png", "b.png", "c.png", "sub dir/d é.png"]):
        write_image(tmp_path / "imgs" / name, color=(40 * i, 0, 0))
    return tmp_path / "imgs"


def test_csv_loads_relative_paths_and_sorts_classes(tmp_path, images):
    csv = write_csv(
        tmp_path / "list.csv",
        "\ufeffpath,label,notes\nimgs/a.png,zebra,x\nimgs/b.png,ant,\n"
        "./imgs/c.png,zebra,y\nimgs/sub dir/d é.png,ant,\n",
    )
    src = open_source(f"csv:{csv}", progress=False)
    assert src.classes == ["ant", "zebra"]
    assert src.labels.tolist() == [1, 0, 1, 0]
    assert src.labels.dtype == np.int64
    assert src.item_ids()[2].startswith("imgs/c.png:")
    assert src.item_ids()[3].startswith("imgs/sub dir/d é.png:")


def test_csv_in_other_folder_resolves_against_its_folder(tmp_path, images):
    csv = write_csv(images / "labels.csv", "path,label\na.png,x\nb.png,y\n")
    src = open_source(f"csv:{csv}", progress=False)
    assert len(src) == 2 and src.classes == ["x", "y"]


def test_error_csv_missing(tmp_path):
    data_error(f"csv:{tmp_path / 'none.csv'}", "does not exist")


def test_error_csv_not_utf8(tmp_path, images):
    csv = write_csv(tmp_path / "l.csv", "path,label\nimgs/a.png,caf\u00e9\nimgs/b.png,x\n", encoding="latin-1")
    data_error(f"csv:{csv}", "not UTF-8", "save it as UTF-8")


@pytest.mark.parametrize(
    ("header", "missing"),
    [("path,class", "'label' column"), ("file,label", "'path' column"), ("a,b", "'path' and 'label'")],
)
def test_error_csv_missing_columns(tmp_path, images, header, missing):
    csv = write_csv(tmp_path / "l.csv", f"{header}\nimgs/a.png,x\n")
    data_error(f"csv:{csv}", missing, "path,label")


def test_error_csv_no_rows(tmp_path):
    header_only = write_csv(tmp_path / "l.csv", "path,label\n")
    data_error(f"csv:{header_only}", "no rows")
    empty = write_csv(tmp_path / "e.csv", "")
    data_error(f"csv:{empty}", "is empty")


def test_error_csv_missing_paths_named_and_counted(tmp_path, images):
    csv = write_csv(tmp_path / "l.csv", "path,label\nimgs/a.png,x\nimgs/gone.png,y\nimgs/also gone.png,y\n")
    data_error(f"csv:{csv}", "2 paths that do not exist", "'imgs/gone.png'", "line 3", str(tmp_path))


def test_error_csv_duplicate_path(tmp_path, images):
    csv = write_csv(tmp_path / "l.csv", "path,label\nimgs/a.png,x\nimgs/b.png,y\n./imgs/a.png,y\n")
    data_error(f"csv:{csv}", "imgs/a.png", "twice", "lines 2 and 4")


def test_error_csv_one_label(tmp_path, images):
    csv = write_csv(tmp_path / "l.csv", "path,label\nimgs/a.png,x\nimgs/b.png,x\n")
    data_error(f"csv:{csv}", "only one label", "at least 2 classes")


def test_error_csv_empty_cell(tmp_path, images):
    csv = write_csv(tmp_path / "l.csv", "path,label\nimgs/a.png,x\nimgs/b.png,\n")
    data_error(f"csv:{csv}", "line 3", "empty 'label'")


def test_error_csv_class_with_only_unreadable_images(tmp_path, images):
    (images / "broken.png").write_bytes(b"not an image")
    csv = write_csv(tmp_path / "l.csv", "path,label\nimgs/a.png,x\nimgs/broken.png,y\n")
    data_error(f"csv:{csv}", "Class 'y'", "no readable images")
