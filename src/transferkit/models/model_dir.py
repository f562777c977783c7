"""Model directories: model.safetensors + model.json, written atomically, read back into a Backbone."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from safetensors.torch import save_file

from transferkit.console import logger
from transferkit.data.text_preprocessing import preprocessing_from_dict
from transferkit.errors import ModelError
from transferkit.models.backbone import Backbone
from transferkit.models.builders import build_model
from transferkit.models.fit import load_strict
from transferkit.models.integrity import SHA256_KEY, check_finite, check_recorded_sha256
from transferkit.models.safe_load import load_state_dict_file, sha256_file
from transferkit.models.stages import Stage, check_stages

SCHEMA_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
META_FILE = "model.json"
# Fields that rebuild the network; `extra` may add or override any other field (e.g. "classes").
_STRUCTURAL = frozenset({"schema_version", "arch", "num_classes", "stages", "preprocessing"})


def is_model_dir(path: str | Path) -> bool:
    """True if `path` is a directory holding model.json and model.safetensors."""
    path = Path(path)
    return (path / META_FILE).is_file() and (path / WEIGHTS_FILE).is_file()


def _meta(backbone: Backbone, source: dict, extra: dict) -> dict:
    counts = backbone.param_counts()
    classes = source.get("classes", backbone.origin.get("source_classes"))
    meta = {
        "schema_version": SCHEMA_VERSION,
        "arch": backbone.arch,
        "num_classes": backbone.num_classes,
        "classes": list(classes) if classes is not None else None,
        "stages": [{"name": s.name, "num_params": counts[s.name], "params": list(s.params)} for s in backbone.stages],
        "preprocessing": backbone.preprocessing.to_dict(),
        "source": source,
    }
    clash = set(extra) & _STRUCTURAL
    if clash:
        raise ModelError(f"extra keys {sorted(clash)} would overwrite how the model is rebuilt; rename them.")
    return {**meta, **extra}


def _prepare_target(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ModelError(f"'{out}' is a file; pass a new --out directory for the model.")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ModelError(f"Output directory '{out}' already exists and is not empty; pass a new --out or remove it.")


def save_model_dir(backbone: Backbone, out_dir: str | Path, *, source: dict | None = None,
                   extra: dict | None = None, overwrite: bool = False) -> Path:
    """Write model.safetensors and model.json into `out_dir`, atomically (temporary sibling, then os.replace)."""
    out = Path(out_dir)
    _prepare_target(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = _meta(backbone, dict(source or {}), dict(extra or {}))
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:12]}")
    tmp.mkdir()
    trash = None
    try:
        state = {k: v.detach().contiguous().cpu() for k, v in backbone.model.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS_FILE), metadata={"format": "pt"})
        meta[SHA256_KEY] = sha256_file(tmp / WEIGHTS_FILE)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
        backbone.preprocessing.write_files(tmp)
        if out.is_dir() and any(out.iterdir()):
            trash = out.with_name(f".{out.name}.old-{tmp.name}")
            os.replace(out, trash)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if trash is not None and not out.exists():
            os.replace(trash, out)
        raise
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
    logger.debug("Saved model to %s", out)
    return out


def _read_meta(path: Path) -> dict:
    if not path.is_dir():
        raise ModelError(f"Model directory '{path}' does not exist; pass a directory written by transferkit.")
    try:
        meta = json.loads((path / META_FILE).read_text())
    except FileNotFoundError:
        raise ModelError(f"'{path}' has no {META_FILE}; pass a directory written by transferkit.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"'{path / META_FILE}' is not valid JSON ({e}); save the model again.") from None
    if not isinstance(meta, dict) or meta.get("schema_version") != SCHEMA_VERSION:
        found = meta.get("schema_version") if isinstance(meta, dict) else None
        raise ModelError(f"'{path / META_FILE}' has schema_version {found!r}, expected {SCHEMA_VERSION}; "
                         "save the model again with this version of transferkit.")
    missing = [k for k in ("arch", "num_classes", "stages", "preprocessing") if k not in meta]
    if missing:
        raise ModelError(f"'{path / META_FILE}' lacks {missing}; save the model again.")
    return meta


def _stages(meta: dict, path: Path) -> list[Stage]:
    try:
        return [Stage(str(s["name"]), [str(p) for p in s["params"]]) for s in meta["stages"]]
    except (TypeError, KeyError) as e:
        raise ModelError(f"'{path / META_FILE}' has malformed stages ({e}); save the model again.") from None


def load_model_dir(path: str | Path) -> Backbone:
    """Rebuild the saved architecture, load model.safetensors strictly, restore stages and preprocessing."""
    path = Path(path)
    meta = _read_meta(path)
    arch = meta["arch"]
    if not isinstance(arch, dict) or "name" not in arch:
        raise ModelError(f"'{path / META_FILE}' has a malformed arch entry; save the model again.")
    weights = path / WEIGHTS_FILE
    state = load_state_dict_file(weights, check_values=False)
    digest = sha256_file(weights)
    check_recorded_sha256(weights, meta.get(SHA256_KEY), digest)
    check_finite(state, weights)
    model = build_model(arch, int(meta["num_classes"]))
    load_strict(model, state, weights, f"{arch.get('library')}:{arch['name']} (from {path / META_FILE})")
    stages = _stages(meta, path)
    try:
        check_stages(model, stages)
    except ModelError as e:
        raise ModelError(f"'{path / META_FILE}' stages do not match the network ({e}); save the model again.") from None
    try:
        preprocessing = preprocessing_from_dict(meta["preprocessing"], path)
    except (TypeError, ValueError, AttributeError) as e:
        raise ModelError(f"'{path / META_FILE}' has malformed preprocessing ({e}); save the model again.") from None
    source = meta.get("source") or {}
    origin = {
        "spec": str(path),
        "pretrained": True,
        "weights": str(weights),
        "sha256": digest,
        "source_fingerprint": source.get("fingerprint") if isinstance(source, dict) else None,
        "source_classes": meta.get("classes"),
    }
    return Backbone(model, dict(arch), stages, preprocessing, origin)
