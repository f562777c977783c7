"""Processes and devices through Hugging Face Accelerate: which process writes files, the device and precision,
sums every process agrees on, each process's share of the training batches and of evaluation, and the execution
settings that change speed only (channels-last, synchronized batch norm, torch.compile)."""

from .accelerate_compat import cache_optional_package_checks, clear_gradients
from .coordination import (close_processes, every_process, main_first, process_state,
                           share_buffers, use_cpu)
from .devices import NoCudaError, describe_processes, make_accelerator, torch_device
from .sharded_eval import gathered_scores
from .shards import prepare_training_loader, shard_batches, shard_range
from .speedups import apply_speedups, sync_bn_record
from .sums import average_gradients, loss_of_all, summed

__all__ = [
    "NoCudaError",
    "apply_speedups",
    "average_gradients",
    "cache_optional_package_checks",
    "clear_gradients",
    "close_processes",
    "describe_processes",
    "every_process",
    "gathered_scores",
    "loss_of_all",
    "main_first",
    "make_accelerator",
    "prepare_training_loader",
    "process_state",
    "shard_batches",
    "shard_range",
    "share_buffers",
    "summed",
    "sync_bn_record",
    "torch_device",
    "use_cpu",
]
