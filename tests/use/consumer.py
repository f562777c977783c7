"""A consumer of an exported model that has only the exported files, torch, torchvision and onnxruntime.

Run as a script: `python consumer.py MODEL_FILE IMAGE...`; prints JSON {"labels": [...], "probabilities": [...]}.
transferkit is blocked from importing, so everything must come from the file and its metadata JSON.
"""

from __future__ import annotations

import json
import math
import sys

sys.modules["transferkit"] = None  # any import of transferkit now fails

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from torchvision.transforms.v2 import InterpolationMode  # noqa: E402
from torchvision.transforms.v2 import functional as F  # noqa: E402


def preprocess(path: str, steps: list[dict]) -> torch.Tensor:
    image = None
    for step in steps:
        op = step["op"]
        if op == "decode":
            with Image.open(path) as im:
                rgb = np.array(ImageOps.exif_transpose(im).convert("RGB"))
            image = torch.from_numpy(rgb).permute(2, 0, 1)
        elif op == "resize_shorter_side":
            if min(image.shape[-2:]) != step["size"]:
                image = F.resize(image, [step["size"]], interpolation=InterpolationMode(step["interpolation"]),
                                 antialias=step["antialias"])
        elif op == "center_crop":
            image = F.center_crop(image, step["size"])
        elif op == "to_float":
            image = image.float() * step["scale"]
        elif op == "normalize":
            mean = torch.tensor(step["mean"]).view(-1, 1, 1)
            std = torch.tensor(step["std"]).view(-1, 1, 1)
            image = (image - mean) / std
        else:
            raise SystemExit(f"unknown step {op}")
    return image


def main() -> None:
    model_file, *images = sys.argv[1:]
    meta = json.loads(open(model_file + ".json", encoding="utf-8").read())
    batch = torch.stack([preprocess(p, meta["preprocessing"]["steps"]) for p in images])
    assert list(batch.shape[1:]) == meta["input"]["shape"][1:]
    if meta["format"] == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(model_file, providers=["CPUExecutionProvider"])
        logits = session.run([meta["output"]["name"]], {meta["input"]["name"]: batch.numpy()})[0]
    else:
        logits = torch.jit.load(model_file)(batch).detach().numpy()
    probs = torch.from_numpy(logits).softmax(1)
    classes = meta["classes"]
    print(json.dumps({"labels": [classes[int(i)] for i in probs.argmax(1)],
                      "probabilities": [float(p) for p in probs.max(1).values],
                      "transferkit_imported": any(m.startswith("transferkit") and sys.modules[m] is not None
                                                  for m in sys.modules)}))
    assert math.isfinite(float(probs.sum()))


if __name__ == "__main__":
    main()
