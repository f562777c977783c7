"""Mapping a checkpoint of another implementation onto a network by position: same tensors, same order, new names."""

from __future__ import annotations

import torch

from transferkit.errors import ModelError


def _shape(tensor: torch.Tensor) -> tuple[int, ...]:
    return tuple(tensor.shape)


def map_by_order(found: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], file: str,
                 target: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """`found`'s tensors under `expected`'s names, position by position, and the mapping {file name: network name}.

    Only when both hold the same number of tensors and every shape matches in order; else a one-line ModelError
    naming the first position that does not match.
    """
    ours, theirs = list(expected.items()), list(found.items())
    fix = "pass the --model the weights were saved from, or drop --weights-map to match tensors by name."
    for i, ((mine, want), (their, got)) in enumerate(zip(ours, theirs)):
        if _shape(want) != _shape(got):
            raise ModelError(f"Weights file '{file}' does not map onto {target} by position: tensor {i} is "
                             f"'{their}' {_shape(got)} in the file but '{mine}' {_shape(want)} in the network; {fix}")
    if len(ours) != len(theirs):
        i = min(len(ours), len(theirs))
        first, where = (theirs[i][0], "file") if len(theirs) > len(ours) else (ours[i][0], "network")
        raise ModelError(f"Weights file '{file}' does not map onto {target} by position: the file holds "
                         f"{len(theirs)} tensors, the network {len(ours)} (the first unmatched, tensor {i}, is "
                         f"'{first}' in the {where}); {fix}")
    state = {mine: got for (mine, _), (_, got) in zip(ours, theirs)}
    mapping = {their: mine for (mine, _), (their, _) in zip(ours, theirs)}
    return state, mapping


def mapping_summary(mapping: dict[str, str], file: str, target: str) -> str:
    """One line: how many tensors were mapped and how many of them changed name."""
    renamed = sum(1 for a, b in mapping.items() if a != b)
    return (f"Mapped the {len(mapping)} tensors of {file} onto {target} by position "
            f"({renamed} renamed, every shape matching in order)")
