"""The feature cache of a run: decide, per phase, whether the frozen trunk can be replaced by cached activations.

A phase trains from the cache when it has none of timm's augmentations (RandAugment, random erasing, mixup, CutMix:
each batch's images are new), when every stage below its first trainable stage is frozen, with batch norm
frozen (or re-estimated at phase start, before the cache is computed) and no layer of it in training mode,
and when the cut network provably reproduces `model(x)` on a few training images, both in eval mode and in
the phase's own train/eval modes. Otherwise the phase runs on images and the record says why.
"""

from __future__ import annotations

import dataclasses
import time
from contextlib import nullcontext
from importlib.metadata import version

import torch

from ...cache import cache_dir
from ...data import make_augmentation
from ...models.segments import Cut, pre_logits_cut, stage_cut
from ...plans import ResolvedPhase
from ...settings import CacheSettings
from ...settings.phase_values import AUGMENT_SETTINGS
from ..modes import kept_modes
from ..processes.coordination import every_process, main_first
from .cache_key import CachedActivations, feature_cache_key
from .cached_inputs import CachedInputs
from .feature_store import MEMORY_STORES, CacheUnavailable, FeatureStore, StoreWriter
from .shared_cache import build_together, process_share
from .trunk_pass import TrainingViews, compute_activations

CHECK_IMAGES = 4


def frozen_trunk_reason(rp: ResolvedPhase) -> tuple[int, str | None]:
    """(index of the first trainable stage, why the stages below it cannot be cached or None)."""
    first = next(i for i, s in enumerate(rp.stages) if s.trainable)
    if first == 0:
        return first, f"{rp.stages[0].stage} trains, so nothing below the first trainable stage is frozen"
    for setting in rp.stages[:first]:
        if setting.bn == "train":
            return first, f"{setting.stage} batch norm trains"
    return first, None


def augmentation_reason(phase) -> str | None:
    """Why the phase's timm augmentations rule out cached activations (None: it has none)."""
    used = [name for name in AUGMENT_SETTINGS if getattr(phase, name)]
    if not used:
        return None
    return (f"{', '.join(used)} change{'s' if len(used) == 1 else ''} the images of every batch afresh, which cached "
            f"activations cannot reproduce, so a phase with {'it' if len(used) == 1 else 'them'} is not cached")


def training_layers_reason(net, trunk_stages: tuple[str, ...]) -> str | None:
    """Why the trunk is not a fixed function in the phase's modes (a layer of it still in training mode)."""
    for name, module in net.model.named_modules():
        if name and module.training and next(module.children(), None) is None:
            stage = net.stage_of_module(name)
            if stage in trunk_stages:
                return f"{stage} has a layer in training mode ({name}: {type(module).__name__})"
    return None


@torch.no_grad()
def reproduction_error(cut: Cut, model, x: torch.Tensor, autocast, tolerance: float) -> str | None:
    """None when `cut.rest(trunk(x))` equals `model(x)` in eval mode and in the current (phase) modes."""
    saved = {name: b.clone() for name, b in model.named_buffers()}

    def restore() -> None:
        for name, b in model.named_buffers():
            b.copy_(saved[name])

    with kept_modes(model):
        model.eval()
        expected_eval = model(x)
        with autocast():
            h = cut.trunk(x)
            got_eval = cut.rest(h)
    devices = [x.device.index or 0] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(0)
        expected = model(x)
        restore()
        torch.manual_seed(0)
        with autocast():
            got = cut.rest(h)
        restore()
    for mode, a, b in (("inference", got_eval, expected_eval), ("training", got, expected)):
        scale = max(1.0, float(b.abs().max()))
        if a.shape != b.shape or not torch.allclose(a.float(), b.float(), rtol=tolerance, atol=tolerance * scale):
            return f"the network cut {cut.boundary} does not reproduce the model's output in {mode} mode"
    return None


class FeatureCache:
    """One run's cache policy: `inputs_for(...)` gives a phase its inputs and the record of that choice."""

    def __init__(self, settings: CacheSettings, seed: int, accelerator):
        self.settings, self.seed, self.accelerator = settings, seed, accelerator
        self.mixed = accelerator.mixed_precision != "no"

    def _autocast(self):
        return self.accelerator.autocast() if self.mixed else nullcontext()

    def inputs_for(self, rp: ResolvedPhase, net, base) -> tuple[object, dict]:
        """Cached inputs for this phase, or `base` with the reason; call after batch-norm re-estimation."""
        reason = self._settings_reason() or augmentation_reason(rp.phase)
        first, trunk_reason = frozen_trunk_reason(rp)
        reason = reason or trunk_reason
        if reason is not None:
            return base, {"used": False, "reason": reason}
        cut, reason = self._choose_cut(rp, net, base, first)
        if cut is None:
            return base, {"used": False, "reason": reason}
        try:
            store, record = self._store_for(rp, net, base, cut)
        except CacheUnavailable as exc:
            return base, {"used": False, "reason": str(exc)}
        return CachedInputs(base, cut, store, record, self.seed, rp.index), record

    def _settings_reason(self) -> str | None:
        return "--cache off" if self.settings.mode == "off" else None

    def _choose_cut(self, rp: ResolvedPhase, net, base, first: int) -> tuple[Cut | None, str]:
        """The first candidate cut that holds: pre-logits for head-only phases, then the stage boundary."""
        stage = rp.stages[first].stage
        candidates: list[Cut] = [pre_logits_cut(net)] if stage == "head" else []
        cut, reason = stage_cut(net, stage)
        if cut is not None:
            candidates.append(cut)
        x = base.normalize(base.data.train.images[:CHECK_IMAGES])
        tolerance = 2e-2 if self.mixed else 1e-4
        chosen = None
        for i, candidate in enumerate(candidates):
            reason = (training_layers_reason(net, candidate.trunk_stages)
                      or reproduction_error(candidate, base.model, x, self._autocast, tolerance))
            if reason is None:
                chosen, reason = i, ""
                break
        chosen, reason = main_first(lambda: (chosen, reason))  # every process takes the main process's choice
        return (candidates[chosen] if chosen is not None else None), reason

    def _existing(self, key: str, root) -> FeatureStore | None:
        """The finished store of `key` in memory or on disk, when every process has it."""
        store = MEMORY_STORES.get(key) or FeatureStore.open(root / key, self.settings.memory_budget)
        if self.accelerator.num_processes > 1 and not all(every_process(store is not None)):
            return None
        return store

    def _build(self, writer: StoreWriter, encode) -> tuple[FeatureStore, list[int]]:
        """A new store, encoded by this process alone or by all processes together (see shared_cache.py), and
        the images each process encoded."""
        if self.accelerator.num_processes > 1:
            return build_together(writer if self.accelerator.is_main_process else None, self.settings.memory_budget,
                                  lambda shared: encode(shared, process_share))
        try:
            encoded = encode(writer)
            return writer.commit(), [encoded]
        finally:
            writer.discard()

    def _train_only_store(self, what: CachedActivations, root) -> FeatureStore | None:
        """The store of the same training views alone (as `rank` writes one), when this store needs the other splits
        too and one process builds it (the processes of a shared build each encode their share of every split)."""
        data = what.data
        if not (len(data.val) or len(data.test)) or self.accelerator.num_processes > 1:
            return None
        return self._existing(feature_cache_key(dataclasses.replace(what, train_only=True)), root)

    def _store_for(self, rp: ResolvedPhase, net, base, cut: Cut) -> tuple[FeatureStore, dict]:
        augment = rp.phase.augment
        views = self.settings.views if augment != "none" else 1
        what = CachedActivations(
            backbone=net, boundary=cut.boundary, trunk_stages=cut.trunk_stages,
            bn_policy={s.stage: s.bn for s in rp.stages if s.stage in cut.trunk_stages},
            augment=augment, views=views, view_seed=self.seed if augment != "none" else None, data=base.data,
            numerics={"device": self.accelerator.device.type, "precision": self.accelerator.mixed_precision,
                      "torch": torch.__version__, "timm": version("timm"), "torchvision": version("torchvision")},
        )
        key = feature_cache_key(what)
        started = time.perf_counter()
        root = cache_dir() / "features"
        store = self._existing(key, root)
        reused, encoded, train_from = store is not None, [0] * self.accelerator.num_processes, None
        if store is None:
            data = base.data
            counts = {"train": (views, len(data.train)), "val": (len(data.val),), "test": (len(data.test),)}
            writer = StoreWriter(key, counts, self.settings.memory_budget, root)
            known = self._train_only_store(what, root)
            if known is not None:  # its training rows are copied; only the validation and test images are encoded
                for view in range(views):
                    writer.write("train", 0, known.rows("train", 0, len(data.train), view), view)
                train_from = known.key
            train_views = TrainingViews(make_augmentation(augment, tuple(data.train.images.shape[-2:]), data.flip),
                                        0 if known is not None else views, self.seed)

            def encode(into, share=range) -> int:
                return compute_activations(into, cut, base, train_views, autocast=self._autocast, share=share)

            store, encoded = self._build(writer, encode)
        if store.storage == "memory":
            MEMORY_STORES.keep(store, self.settings.memory_budget)
        record = {
            "used": True, "boundary": cut.boundary, "trunk_stages": list(cut.trunk_stages), "key": key,
            "reused": reused, "storage": store.storage, "path": str(store.path) if store.path else None,
            "bytes": store.nbytes, "shape": store.shapes, "views": views, "augment": augment,
            "build_seconds": 0.0 if reused else round(time.perf_counter() - started, 3),
            "encoded": encoded,  # images each process ran through the trunk for this store
            **({"train_from": train_from} if train_from else {}),  # the store whose training rows this one copied
        }
        return store, record
