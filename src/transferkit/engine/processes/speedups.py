"""Execution settings that change how fast a model runs, not what it computes: memory format, synchronized batch
norm across processes, torch.compile."""

from __future__ import annotations

import torch

from ...console import logger

SYNC_BN_DEVICES = ("cuda", "xpu", "hpu")  # where PyTorch's SyncBatchNorm runs


def sync_bn_record(execution, accelerator) -> dict:
    """run.json's record of --sync-bn: asked for, applied, and why not where it was asked for and not applied."""
    reason = None
    if accelerator.num_processes == 1:
        reason = "one process: nothing to synchronize with"
    elif accelerator.device.type not in SYNC_BN_DEVICES:
        reason = f"PyTorch synchronizes batch norm on GPUs only; this run's processes use {accelerator.device.type}"
    asked = execution.sync_bn
    return {"asked": asked, "applied": asked and reason is None, "reason": reason if asked else None}


def apply_speedups(model: torch.nn.Module, execution, accelerator) -> torch.nn.Module:
    """`model` in the channels-last format, with SyncBatchNorm across several GPU processes, compiled in place
    (parameter names and the state dict stay as they are), as `execution` asks."""
    if execution.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if execution.sync_bn:
        sync = sync_bn_record(execution, accelerator)
        if sync["applied"]:
            model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
        elif accelerator.is_main_process:
            logger.warning(f"--sync-bn is ignored ({sync['reason']}).")
    if execution.compile:
        model.compile()
    return model
