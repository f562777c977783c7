"""A Hugging Face encoder with a pooling rule and a linear classifier, as one nn.Module, and its stages.

Text input is the token tensor of `TextPreprocessing` (N, 2, L: ids, attention mask); image input is normalized
pixels (N, 3, H, W). Stages follow the encoder's own structure: `stem` = the embeddings, `stage1..N` = one encoder
layer each, then `pooler` (only with pooling "pooler"), then `head`; `stage_map` records which module each stage is.
"""

from __future__ import annotations

import torch
from torch import nn

from transferkit.errors import ModelError
from transferkit.models.stages import Stage, build_stages

POOLINGS = ("mean", "cls", "pooler")


class HfClassifier(nn.Module):
    """`encoder` (a transformers AutoModel), pooled by `pooling`, then `head` (nn.Linear)."""

    def __init__(self, encoder: nn.Module, num_classes: int, pooling: str, text: bool):
        super().__init__()
        if pooling not in POOLINGS:
            raise ModelError(f"The pooling must be one of {list(POOLINGS)}; got {pooling!r}.")
        if pooling == "pooler" and getattr(encoder, "pooler", None) is None:
            raise ModelError(f"{type(encoder).__name__} has no pooler; use pooling mean or cls.")
        if pooling != "pooler" and getattr(encoder, "pooler", None) is not None:
            encoder.pooler = None  # unused by mean and CLS pooling: its weights would sit in no computation
        self.encoder, self.pooling, self.text = encoder, pooling, text
        self.head = nn.Linear(int(encoder.config.hidden_size), int(num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features (N, hidden) of a batch; text batches lose the padding columns no text uses."""
        if not self.text:
            return self._pool(self.encoder(pixel_values=x), None)
        ids, mask = x[:, 0], x[:, 1]
        length = max(int(mask.sum(1).max()), 1) if mask.numel() else 1
        return self.pooled(ids[:, :length], mask[:, :length])

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Pooled features of token ids and their attention mask (as an exported network reads them)."""
        return self._pool(self.encoder(input_ids=input_ids, attention_mask=attention_mask), attention_mask)

    def _pool(self, out, mask: torch.Tensor | None) -> torch.Tensor:
        if self.pooling == "pooler":
            return out.pooler_output
        hidden = out.last_hidden_state
        if self.pooling == "cls":
            return hidden[:, 0]
        if mask is None:
            return hidden.mean(1)
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


class TextLogits(nn.Module):
    """(input_ids, attention_mask) -> logits: the form an exported text classifier takes."""

    def __init__(self, model: HfClassifier):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model.head(self.model.pooled(input_ids, attention_mask))


def _layer_list(encoder: nn.Module) -> tuple[str, nn.ModuleList]:
    """The encoder's list of layers: the ModuleList holding the most parameters."""
    lists = [(n, m) for n, m in encoder.named_modules() if isinstance(m, nn.ModuleList) and len(m) > 0]
    if not lists:
        raise ModelError(f"{type(encoder).__name__} has no list of layers; it cannot be split into stages.")
    return max(lists, key=lambda item: sum(p.numel() for p in item[1].parameters()))


def hf_stages(model: HfClassifier) -> tuple[list[Stage], dict[str, str]]:
    """stem (embeddings and what comes before the layers), one stage per layer (final norms join the last),
    the pooler when it is used, head; and the module each stage stands for."""
    layers_name, layers = _layer_list(model.encoder)
    prefix = f"encoder.{layers_name}."
    names = [n for n, _ in model.named_parameters()]
    head = [n for n in names if n.startswith("head.")]
    pooler = [n for n in names if n.startswith("encoder.pooler.")]
    groups: list[list[str]] = [[] for _ in range(len(layers) + 1)]
    first = next(i for i, n in enumerate(names) if n.startswith(prefix))
    for i, name in enumerate(names):
        if name in head or name in pooler:
            continue
        if name.startswith(prefix):
            groups[int(name[len(prefix):].split(".")[0]) + 1].append(name)
        elif i > first and "norm" in name.lower():
            groups[-1].append(name)  # a final layer norm after the layers
        else:
            groups[0].append(name)  # embeddings, and shared position biases
    if pooler:
        groups.append(pooler)
    stage_map = {"stem": "embeddings"}
    stage_map.update({f"stage{i + 1}": f"{layers_name}.{i}" for i in range(len(layers))})
    if pooler:
        stage_map[f"stage{len(layers) + 1}"] = "pooler"
    stage_map["head"] = "head"
    return build_stages(model, groups, head), stage_map
