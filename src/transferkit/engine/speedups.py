"""Execution settings that change how fast a model runs, not what it computes: memory format, synchronized batch
norm across GPUs, torch.compile."""

from __future__ import annotations

import torch

from ..console import logger


def apply_speedups(model: torch.nn.Module, execution, accelerator) -> torch.nn.Module:
    """`model` in the channels-last format, with SyncBatchNorm across several CUDA processes, compiled in place
    (parameter names and the state dict stay as they are), as `execution` asks."""
    if execution.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if execution.sync_bn:
        if accelerator.num_processes > 1 and accelerator.device.type == "cuda":
            model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
        else:
            logger.warning("--sync-bn synchronizes batch norm across several CUDA processes; this run has "
                           f"{accelerator.num_processes} process(es) on {accelerator.device.type}, so it is ignored.")
    if execution.compile:
        model.compile()
    return model
