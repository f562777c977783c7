"""Backbones: loading (timm / torchvision / model directory), stages, head replacement, safe weights."""

from transferkit.models.backbone import Backbone
from transferkit.models.loading import load_backbone
from transferkit.models.model_dir import is_model_dir, load_model_dir, save_model_dir
from transferkit.models.ref import ModelRef
from transferkit.models.safe_load import load_state_dict_file, sha256_file
from transferkit.models.stages import Stage, discover_stages

__all__ = [
    "Backbone",
    "ModelRef",
    "Stage",
    "load_backbone",
    "discover_stages",
    "load_state_dict_file",
    "sha256_file",
    "save_model_dir",
    "load_model_dir",
    "is_model_dir",
]
