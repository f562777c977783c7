"""Export a text classifier to ONNX with its tokenizer beside it, after a parity check on real sentences.

The ONNX file takes `input_ids` and `attention_mask` (int64, batch x tokens, both axes dynamic) and gives `logits`.
`FILE.tokenizer.json` is the model's own tokenizer (the `tokenizers` library reads it) and `FILE.json` says how to
call both, so a consumer needs only onnxruntime and tokenizers.
"""

from __future__ import annotations

import copy
import inspect
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from ..errors import RunError
from ..files import write_json
from ..models.builders import first_line
from ..settings.use import ExportSettings
from .export_metadata import OUTPUT_NAME, export_metadata
from .loaded import LoadedModel
from .predict_files import check_output_file
from .predict_texts import text_inputs
from .recorded_data import RecordedDataUnavailable, recorded_test_images

PARITY_TEXTS = 32
TEXT_INPUTS = ("input_ids", "attention_mask")


def tokenizer_path_of(out: Path) -> Path:
    return out.with_name(out.stem + ".tokenizer.json")


def parity_tokens(loaded: LoadedModel, texts: list[str] | None) -> torch.Tensor:
    """Token tensors (N, 2, max_length) of real texts: given ones, or the first of the run's test split."""
    pre = loaded.backbone.preprocessing
    if texts:
        return pre.tokenize([t for _, t in text_inputs(texts)[:PARITY_TEXTS] if t.strip()])
    try:
        return recorded_test_images(loaded.record, pre, PARITY_TEXTS)
    except RecordedDataUnavailable as e:
        raise RunError(f"No texts to check the export on ({e}); pass a few with --images.") from None


def _onnx_write(module: torch.nn.Module, example: tuple[torch.Tensor, torch.Tensor], path: Path) -> dict:
    import onnx

    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    axes = {name: {0: "batch", 1: "tokens"} for name in TEXT_INPUTS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, str(path), input_names=list(TEXT_INPUTS), output_names=[OUTPUT_NAME],
                          dynamic_axes={**axes, OUTPUT_NAME: {0: "batch"}}, **legacy)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    return {"opset": next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
            "exporter": f"torch.onnx.export (torch {torch.__version__}), dynamic batch and token axes"}


def export_text(loaded: LoadedModel, settings: ExportSettings, out: str | Path, *, texts: list[str] | None = None,
                overwrite: bool = False):
    """Write `out` (ONNX), `out`.json and the tokenizer, or nothing when the logits differ by more than the
    tolerance on real texts."""
    from .export import Export, metadata_path_of

    if settings.format != "onnx":
        raise RunError(f"A text classifier exports to onnx (with its tokenizer beside it); got --format "
                       f"{settings.format}.")
    out = check_output_file(out, overwrite)
    meta_out = check_output_file(metadata_path_of(out), overwrite)
    tok_out = check_output_file(tokenizer_path_of(out), overwrite)
    tokens = parity_tokens(loaded, texts)
    length = max(int(tokens[:, 1].sum(1).max()), 1)
    ids, mask = tokens[:, 0, :length].contiguous(), tokens[:, 1, :length].contiguous()
    model = copy.deepcopy(loaded.model).cpu().float().eval()
    model.encoder.set_attn_implementation("eager")  # traced attention without fused kernels
    module = loaded.backbone.family.export_module(model)
    with torch.no_grad():
        reference = module(ids, mask)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        written = staging / out.name
        try:
            with torch.no_grad():
                details = _onnx_write(module, (ids[:2], mask[:2]), written)
            import onnxruntime

            session = onnxruntime.InferenceSession(str(written), providers=["CPUExecutionProvider"])
            got = session.run([OUTPUT_NAME], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        except (RuntimeError, ValueError, TypeError, NotImplementedError) as e:
            raise RunError(f"Cannot export this model to onnx ({first_line(e)}).") from None
        diff = float(np.abs(reference.numpy() - got).max())
        if not diff <= settings.tolerance:
            raise RunError(f"The onnx export's logits differ from the PyTorch model's by up to {diff:.3g} on "
                           f"{len(ids)} texts (tolerance {settings.tolerance:g}); nothing was written.")
        pre = loaded.backbone.preprocessing
        pre.tokenizer_object().backend_tokenizer.save(str(staging / tok_out.name))
        parity = {"texts": len(ids), "max_abs_logit_diff": diff, "tolerance": settings.tolerance,
                  "compared_with": "the PyTorch model on CPU, float32"}
        calling = {"inputs": {name: {"shape": ["batch", "tokens"], "dtype": "int64"} for name in TEXT_INPUTS},
                   "tokenizer": tok_out.name, "max_length": pre.max_length, "pad_token_id": pre.pad_token_id,
                   "run_with": "tokenizers.Tokenizer.from_file(tokenizer) with truncation at max_length and padding "
                               "with pad_token_id; onnxruntime.InferenceSession(file).run(['logits'], {'input_ids': "
                               "ids, 'attention_mask': mask})", "parity": parity}
        meta = export_metadata(loaded, "onnx", out, {**details, **calling})
        meta["input"] = calling["inputs"]
        write_json(staging / meta_out.name, meta)
        os.replace(staging / tok_out.name, tok_out)
        os.replace(written, out)
        os.replace(staging / meta_out.name, meta_out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Export(out, meta_out, "onnx", diff, len(ids), meta)
