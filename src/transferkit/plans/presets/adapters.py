"""LoRA: low-rank adapters on the conv and linear layers of chosen stages, through Hugging Face PEFT."""

from __future__ import annotations

from ...errors import PlanError
from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import at_least, positive, stage_list


@register_strategy(
    "lora",
    summary="Low-rank adapters (PEFT) on conv/linear layers of the chosen stages + the head; saved merged.",
    reference="Hu et al., LoRA: Low-Rank Adaptation of Large Language Models, ICLR 2022 (Hugging Face PEFT)",
)
def lora(r: int = 4, alpha: float = 8.0, stages: tuple[str, ...] = ("all",), epochs: int = 10, lr: float = 2e-3,
         bn: str = "frozen") -> Plan:
    at_least("lora", "r", r, 1)
    positive("lora", "alpha", alpha)
    at_least("lora", "epochs", epochs, 1)
    chosen = stage_list("lora", "stages", stages)
    if chosen == ["head"]:
        raise PlanError("Strategy 'lora' puts adapters in stages below the head; give stages such as "
                        "lora:stages=stage3+stage4 or all.")
    train = chosen + ([] if "head" in chosen or "all" in chosen else ["head"])
    phase = Phase(name=f"LoRA r={r}", epochs=epochs, train=train, params="lora", lr=lr, bn=bn,
                  adapter={"r": r, "alpha": alpha})
    return Plan(phases=[phase])
