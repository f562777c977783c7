"""The timm family: names, creation, `group_matcher` stages, pre-logits features, head reset, forward steps."""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from transferkit.console import logger
from transferkit.errors import ModelError
from transferkit.models.family import BackboneFamily, register_family
from transferkit.models.segments import Step, chain, children, modules_in_order
from transferkit.models.stages import Stage, build_stages, params_of_modules


@lru_cache(maxsize=1)
def timm_names() -> tuple[str, ...]:
    import timm

    return tuple(timm.list_models())


def _timm_vit(m: nn.Module) -> list[Step]:
    # as timm's forward_features: patch_embed, _pos_embed (tokens, positions, pos_drop), patch_drop, norm_pre,
    # blocks, norm
    stem = ("patch_embed", "cls_token", "reg_token", "pos_embed", "pos_drop", "patch_drop", "norm_pre")
    embed = Step(stem, lambda x: m.norm_pre(m.patch_drop(m._pos_embed(m.patch_embed(x)))))
    blocks = [Step((name,), modules_in_order(m, [name])) for name in children(m, "blocks")]
    return [embed, *blocks, Step(("norm",), modules_in_order(m, ["norm"])), Step(("*",), m.forward_head)]


class TimmFamily(BackboneFamily):
    """timm networks (`timm:NAME?option=value`): every timm architecture, stages from its `group_matcher`."""

    name = "timm"
    prefix = "timm"

    def knows(self, name: str) -> bool:
        import timm
        from timm.models import get_pretrained_cfg, split_model_name_tag

        arch, tag = split_model_name_tag(name)
        if not timm.is_model(arch):
            return False
        if tag:
            try:
                get_pretrained_cfg(name)
            except RuntimeError:
                return False
        return True

    def names(self) -> tuple[str, ...]:
        return timm_names()

    def unknown(self, name: str) -> str:
        if "." in name:
            from timm.models import split_model_name_tag

            arch, tag = split_model_name_tag(name)
            if self.knows(arch):
                return (f"timm:{arch} has no pretrained tag '{tag}'; "
                        f"timm.list_pretrained('{arch}.*') lists the tags, or drop the tag.")
        return f"timm has no model '{name}'; timm.list_models() lists the names."

    def build(self, name: str, kwargs: dict) -> nn.Module:
        from transferkit.models.timm_source import build_timm

        return build_timm(name, kwargs)

    def pretrained(self, name: str, kwargs: dict) -> nn.Module:
        from transferkit.models.timm_source import timm_pretrained

        return timm_pretrained(name, kwargs)

    def from_state(self, name: str, kwargs: dict, state: dict[str, torch.Tensor]) -> nn.Module:
        from transferkit.models.timm_source import timm_from_state

        return timm_from_state(name, kwargs, state)

    def preprocessing(self, model: nn.Module, name: str, kwargs: dict):
        from transferkit.models.timm_source import timm_preprocessing

        return timm_preprocessing(model, kwargs)

    def source_classes(self, model: nn.Module, name: str) -> list[str] | None:
        from transferkit.models.timm_source import imagenet_classes

        return imagenet_classes(model)

    def stages(self, model: nn.Module, name: str) -> list[Stage] | None:
        from timm.models import group_parameters

        head = params_of_modules(model, self._classifiers(model))
        if not head:
            raise ModelError(f"timm:{name} has no classifier weights (num_classes=0?); "
                             "drop num_classes=0 from the model spec so it gets a head.")
        try:
            matcher = model.group_matcher(coarse=True)
        except (NotImplementedError, AttributeError):
            logger.warning("timm:%s has no group_matcher; using top-level modules as stages.", name)
            return None
        grouped = group_parameters(model, matcher)
        groups = [grouped[k] for k in sorted(grouped)]
        head_set = set(head)
        # Groups from the first one holding classifier params onward are the tail (final norm, pre-logits):
        # their non-classifier params join the last body stage.
        first_tail = next((i for i, g in enumerate(groups) if head_set.intersection(g)), len(groups))
        body = [list(g) for g in groups[:first_tail]]
        tail = [n for g in groups[first_tail:] for n in g if n not in head_set]
        if tail:
            if body:
                body[-1].extend(tail)
            else:
                body.append(tail)
        return build_stages(model, body, head)

    def features(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return model.forward_head(model.forward_features(x), pre_logits=True)

    def replace_head(self, model: nn.Module, num_classes: int) -> tuple[nn.Module, ...]:
        model.reset_classifier(num_classes)
        return self._classifiers(model)

    @staticmethod
    def _classifiers(model: nn.Module) -> tuple[nn.Module, ...]:
        heads = model.get_classifier()
        return tuple(heads) if isinstance(heads, (tuple, list)) else (heads,)

    def forward_steps(self, model: nn.Module) -> list[Step] | None:
        from timm.models import convnext, efficientnet, mobilenetv3, regnet, resnet, vision_transformer

        head = model.forward_head
        if isinstance(model, resnet.ResNet):
            layers = [n for n, _ in model.named_children() if n.startswith("layer")]
            return chain(model, ["conv1", "bn1", "act1", "maxpool"], layers, [], head)
        if isinstance(model, convnext.ConvNeXt):
            return chain(model, ["stem"], children(model, "stages"), ["norm_pre"], head)
        if isinstance(model, efficientnet.EfficientNet):
            return chain(model, ["conv_stem", "bn1"], children(model, "blocks"), ["conv_head", "bn2"], head)
        if isinstance(model, mobilenetv3.MobileNetV3):
            return chain(model, ["conv_stem", "bn1"], children(model, "blocks"), [], head)
        if isinstance(model, regnet.RegNet):
            return chain(model, ["stem"], ["s1", "s2", "s3", "s4"], ["final_conv"], head)
        if isinstance(model, vision_transformer.VisionTransformer):
            return _timm_vit(model)
        return None


register_family(TimmFamily())
