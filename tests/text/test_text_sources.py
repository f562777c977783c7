"""Text data sources: CSV text columns, folders of .txt files, Hugging Face text sets and Debian fortunes; bad rows
counted like unreadable images; given splits; one-line errors."""

from __future__ import annotations

import pytest

from transferkit.data import DataSplits, Preprocessing, load_data, open_source
from transferkit.errors import DataError, ModelError

from support.text import MINILM


@pytest.fixture(scope="module")
def tokenizing():
    from transferkit.api import load_model

    return load_model(MINILM, max_length=16).preprocessing


def test_a_csv_of_texts_with_given_splits_and_bad_rows(tmp_path, tokenizing):
    table = tmp_path / "texts.csv"
    rows = [f"text{i} about cooking,food,{s}" for i, s in enumerate(["train"] * 3 + ["val", "test"])]
    rows += [f"text{i} about courts,law,{s}" for i, s in enumerate(["train"] * 3 + ["val", "test"])]
    rows += ['"   ",law,train']
    table.write_text("text,label,split\n" + "\n".join(rows) + "\n", encoding="utf-8")
    splits = load_data(f"csv:{table}", tokenizing, max_bad_fraction=0.2, progress=False)
    assert isinstance(splits, DataSplits) and splits.classes == ["food", "law"]
    assert (len(splits.train), len(splits.val), len(splits.test)) == (6, 2, 2)
    assert splits.skipped == [{"path": "line 12", "reason": "empty text"}]
    tokens = splits.train.images
    assert tokens.shape == (6, 2, 16) and tokens.dtype.is_floating_point is False
    assert tokens[0, 0, 0].item() == 101 and tokens[0, 1].sum() < 16  # [CLS] first; padded beyond the text


def test_a_folder_of_txt_files_per_class_skips_bytes_that_are_not_utf8(tmp_path):
    for label in ("ham", "spam"):
        (tmp_path / label).mkdir()
        for i in range(3):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} message number {i}")
    (tmp_path / "spam" / "bad.txt").write_bytes(b"caf\xe9 \xff")
    source = open_source(str(tmp_path))
    assert source.classes == ["ham", "spam"] and len(source) == 6
    assert source.skipped[0]["path"] == "spam/bad.txt" and "not UTF-8" in source.skipped[0]["reason"]


def test_fortunes_by_topic(tmp_path):
    source = open_source("fortunes?topics=food,law")
    assert source.classes == ["food", "law"] and len(source) > 350
    with pytest.raises(DataError, match="Unknown fortunes topic 'cooking'") as caught:
        open_source("fortunes?topics=food,cooking")
    assert "\n" not in str(caught.value)


def test_a_hugging_face_text_set_keeps_its_splits(tmp_path, tokenizing):
    import datasets

    part = {"text": ["good film", "bad film", "great plot", "awful plot"], "label": [1, 0, 1, 0]}
    features = datasets.Features({"text": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["negative", "positive"])})
    datasets.DatasetDict({"train": datasets.Dataset.from_dict(part, features=features),
                          "test": datasets.Dataset.from_dict(part, features=features)}).save_to_disk(tmp_path / "ds")
    source = open_source(f"hf:{tmp_path / 'ds'}")
    assert source.classes == ["negative", "positive"] and len(source) == 8
    assert sorted(set(source.given_splits.tolist())) == [0, 2]


def test_text_with_an_image_model_and_token_options_on_an_image_model_are_one_line_errors(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("text,label\nhello,a\nworld,b\n")
    with pytest.raises(DataError, match="holds texts, but the model reads images"):
        load_data(f"csv:{table}", Preprocessing(), labels_per_class=None, progress=False)
    from transferkit.models import load_backbone

    with pytest.raises(ModelError, match="apply to hf: transformer encoders"):
        load_backbone("timm:resnet18", max_length=32)


def test_a_text_under_two_labels_is_warned_about_as_a_text(tmp_path, tokenizing, caplog):
    # the warning said "1 image under two or more classes" for a quotation filed under two topics
    table = tmp_path / "texts.csv"
    rows = [f"text{i} about cooking,food,{s}" for i, s in enumerate(["train"] * 3 + ["val", "test"])]
    rows += [f"text{i} about courts,law,{s}" for i, s in enumerate(["train"] * 3 + ["val", "test"])]
    rows += ["text0 about cooking,law,train"]
    table.write_text("text,label,split\n" + "\n".join(rows) + "\n", encoding="utf-8")
    splits = load_data(f"csv:{table}", tokenizing, progress=False)
    assert splits.summary()["duplicates"]["across_classes"]["groups"] == 1
    assert "Found duplicate texts (same content)" in caplog.text and "1 text under two or more classes" in caplog.text
    assert "image" not in caplog.text
