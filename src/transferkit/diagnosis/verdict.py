"""The verdict: which case the user is in, in plain words, with the numbers behind it.

Rules (thresholds below, chosen on the built-in shifted glyphs with two source models, and listed in every
diagnosis.json):
1. A stage is *shifted* when the domain classifier separates source and target well (proxy A-distance >= 0.4) or,
   with shared classes, the class means moved far (class shift >= 0.3).
2. No stage shifted: the same distribution (fine-tuning), unless the label spaces differ (target classes that are
   not source classes, or shared names the source head does not recognise): an output-level shift.
3. The shift first appears above the stem, or grows with depth (proxy A-distance at the top >= stem + 0.2, or class
   shift at the top >= 2x the stem's): a feature-level shift. If the stem is strongly shifted as well (proxy
   A-distance >= 1.5), the shift is large at every stage.
4. Otherwise the shift starts at the input and does not grow. If the network absorbs part of it on the way up
   (linear MMD at the top <= 0.6 x its largest value, in source standard deviations), it is an input-level shift;
   if it stays as large up to the top, the shift is large at every stage.
The linear-probe accuracies and LogME are reported beside the verdict; they say how well each stage's features
predict the target labels, not where the shift is, so they do not decide it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PAD_SHIFTED = 0.4
CLASS_SHIFTED = 0.3
PAD_GROWTH = 0.2
CLASS_GROWTH = 2.0
PAD_STRONG = 1.5
MMD_DECAY = 0.6
HEAD_RECOGNISED = 0.5  # shared names: source head accuracy on the target >= this x its accuracy on the source

THRESHOLDS = {"proxy_a_distance_shifted": PAD_SHIFTED, "class_shift_shifted": CLASS_SHIFTED,
              "proxy_a_distance_growth": PAD_GROWTH, "class_shift_growth_factor": CLASS_GROWTH,
              "proxy_a_distance_strong": PAD_STRONG, "mmd_decay": MMD_DECAY,
              "head_recognised_fraction": HEAD_RECOGNISED}

VERDICTS = {
    "same": ("same distribution", "this is fine-tuning; start with linear-probe or lp-ft",
             ["linear-probe", "lp-ft"]),
    "input": ("input-level shift", "tune the early stages (surgical fine-tuning) or re-estimate batch norm",
              ["adabn", "surgical"]),
    "feature": ("feature-level shift", "tune the middle and top stages (partial or surgical fine-tuning), or "
                "align the features if the target has no labels", ["partial:k=2", "coral", "dann"]),
    "output": ("output-level shift", "retrain the head and the top stage", ["partial:k=1", "linear-probe"]),
    "every": ("large shift at every stage", "full fine-tuning, or domain adaptation if the target has no labels",
              ["full", "dann", "coral"]),
}


@dataclass
class Verdict:
    """`kind` is one of VERDICTS; `text` the plain-words sentence; `reasons` the numbers behind it."""

    kind: str
    text: str
    strategies: list[str]
    reasons: list[str] = field(default_factory=list)
    shifted_stages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _shifted(stage) -> bool:
    return stage.proxy_a_distance >= PAD_SHIFTED or (stage.class_shift is not None
                                                     and stage.class_shift >= CLASS_SHIFTED)


def _grows(stem, top) -> bool:
    if top.proxy_a_distance - stem.proxy_a_distance >= PAD_GROWTH:
        return True
    return (stem.class_shift is not None and top.class_shift is not None and top.class_shift >= CLASS_SHIFTED
            and top.class_shift >= CLASS_GROWTH * max(stem.class_shift, 0.0))


def _labels_differ(label_space, source_head_accuracy: float | None) -> str | None:
    """Why the label spaces differ, or None."""
    if label_space.overlap < 1.0:
        return (f"{len(label_space.target_classes) - len(label_space.shared)} of the {len(label_space.target_classes)} "
                f"target classes are not source classes")
    if source_head_accuracy and label_space.head_accuracy is not None \
            and label_space.head_accuracy < HEAD_RECOGNISED * source_head_accuracy:
        return (f"the source head recognises the shared classes on {label_space.head_accuracy:.0%} of the target "
                f"images (vs {source_head_accuracy:.0%} on the source): the names mean other things")
    return None


def decide(measures, source_head_accuracy: float | None = None) -> Verdict:
    """The verdict for `Measures` (see measure.py); `source_head_accuracy` is the head's accuracy on the source."""
    stages = measures.stages
    stem, top = stages[0], stages[-1]
    shifted = [s.stage for s in stages if _shifted(s)]
    profile = (f"proxy A-distance {_fmt(stem.proxy_a_distance)} at {stem.stage} and {_fmt(top.proxy_a_distance)} "
               f"at {top.stage}")
    if stem.class_shift is not None:
        profile += f"; class shift {_fmt(stem.class_shift)} at {stem.stage} and {_fmt(top.class_shift)} at {top.stage}"
    reasons = [profile]
    if not shifted:
        differ = _labels_differ(measures.label_space, source_head_accuracy)
        reasons.append(f"no stage is shifted (proxy A-distance below {PAD_SHIFTED} and class shift below "
                       f"{CLASS_SHIFTED} everywhere)")
        if differ:
            reasons.append(differ)
            return _verdict("output", reasons, shifted)
        reasons.append("every target class is a source class and the source head recognises them")
        return _verdict("same", reasons, shifted)
    first = shifted[0]
    if first != stem.stage or _grows(stem, top):
        where = f"the shift first appears at {first}" if first != stem.stage else "the shift grows with depth"
        reasons.append(where)
        if stem.proxy_a_distance >= PAD_STRONG:
            reasons.append(f"and the stem is strongly shifted too (proxy A-distance >= {PAD_STRONG})")
            return _verdict("every", reasons, shifted)
        return _verdict("feature", reasons, shifted)
    reasons.append(f"the shift is already at the {stem.stage} and does not grow with depth")
    largest = max(stages, key=lambda s: s.mmd)
    if largest.mmd > 0 and top.mmd > MMD_DECAY * largest.mmd:
        reasons.append(f"and it stays as large up to {top.stage} (linear MMD {_fmt(top.mmd)} vs {_fmt(largest.mmd)} at "
                       f"{largest.stage}, in source standard deviations)")
        return _verdict("every", reasons, shifted)
    reasons.append(f"the network absorbs part of it on the way up (linear MMD {_fmt(largest.mmd)} at {largest.stage}, "
                   f"{_fmt(top.mmd)} at {top.stage}); the top stage's linear probe reaches "
                   f"{_fmt(top.probe_accuracy)}")
    return _verdict("input", reasons, shifted)


def _verdict(kind: str, reasons: list[str], shifted: list[str]) -> Verdict:
    title, advice, strategies = VERDICTS[kind]
    return Verdict(kind, f"{title[0].upper()}{title[1:]}: {advice}.", list(strategies), reasons, shifted)
