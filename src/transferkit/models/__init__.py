"""Backbones: families (model directory, timm, torchvision, plain modules, Hugging Face transformers), stages, head replacement, safe weights."""

# Each family and offline-weights provider registers itself on import; bare specs try the families in this
# order (an existing model directory first, then timm names, then torchvision names, then transformers models).
from transferkit.models import model_dir_family as _model_dir_family  # noqa: F401
from transferkit.models import timm_family as _timm_family  # noqa: F401
from transferkit.models import torchvision_family as _torchvision_family  # noqa: F401
from transferkit.models import module_family as _module_family  # noqa: F401
from transferkit.models import imagenet_packages as _imagenet_packages  # noqa: F401
from transferkit.models import hf_family as _hf_family  # noqa: F401
from transferkit.models import minilm_weights as _minilm_weights  # noqa: F401
from transferkit.models.backbone import Backbone
from transferkit.models.family import FAMILIES, BackboneFamily, families, family_named, register_family
from transferkit.models.loading import load_backbone
from transferkit.models.model_dir import is_model_dir, load_model_dir, save_model_dir
from transferkit.models.offline_weights import OFFLINE_WEIGHTS, OfflineWeights, register_offline_weights
from transferkit.models.safe_load import load_state_dict_file, sha256_file
from transferkit.models.stages import Stage, discover_stages

__all__ = [
    "Backbone",
    "BackboneFamily",
    "FAMILIES",
    "OFFLINE_WEIGHTS",
    "OfflineWeights",
    "Stage",
    "load_backbone",
    "discover_stages",
    "families",
    "family_named",
    "register_family",
    "register_offline_weights",
    "load_state_dict_file",
    "sha256_file",
    "save_model_dir",
    "load_model_dir",
    "is_model_dir",
]
