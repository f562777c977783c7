"""Export formats, each registered once: write a model to a file, and run that file again to check it."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import RunError
from ..models.builders import build_model
from .export_metadata import INPUT_NAME, OUTPUT_NAME

Runner = Callable[[torch.Tensor], torch.Tensor]  # normalized images (N, 3, H, W) -> logits (N, classes)


class ExportFormat(Protocol):
    name: str

    def write(self, model: nn.Module, example: torch.Tensor, path: Path) -> dict[str, Any]:
        """Write the model; return what the metadata should say about how."""

    def reload(self, path: Path, arch: dict, num_classes: int) -> Runner:
        """Run the written file as a consumer would."""


class Onnx:
    name = "onnx"

    def write(self, model, example, path):
        import onnx

        # The TorchScript-based exporter: the torch.export-based one needs onnxscript, which is not a dependency.
        legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (example,), str(path), input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                              dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}, **legacy)
        proto = onnx.load(str(path))
        onnx.checker.check_model(proto)
        opset = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
        return {"opset": opset, "exporter": f"torch.onnx.export (torch {torch.__version__}), dynamic batch axis",
                "run_with": "onnxruntime.InferenceSession(file).run(['logits'], {'input': images})"}

    def reload(self, path, arch, num_classes):
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return lambda x: torch.from_numpy(session.run([OUTPUT_NAME], {INPUT_NAME: x.numpy()})[0])


class TorchScript:
    name = "torchscript"

    def write(self, model, example, path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.trace(model, example).save(str(path))
        return {"method": "torch.jit.trace", "run_with": "torch.jit.load(file)(images)"}

    def reload(self, path, arch, num_classes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated in favour of torch.export
            module = torch.jit.load(str(path), map_location="cpu").eval()
        return lambda x: module(x)


class Safetensors:
    name = "safetensors"

    def write(self, model, example, path):
        save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(path),
                  metadata={"format": "pt"})
        return {"run_with": "build the 'architecture' with num_classes=len(classes) (timm.create_model or "
                            "torchvision.models.get_model), then load_state_dict(safetensors.torch.load_file(file))"}

    def reload(self, path, arch, num_classes):
        module = build_model(arch, num_classes)
        module.load_state_dict(load_file(str(path)), strict=True)
        return module.eval()


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (Onnx(), TorchScript(), Safetensors())}


def export_format(name: str) -> ExportFormat:
    if name not in FORMATS:
        raise RunError(f"The export format must be one of {list(FORMATS)}; got {name!r}.")
    return FORMATS[name]
