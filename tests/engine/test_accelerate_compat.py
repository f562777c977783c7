"""The two changes to Accelerate's optimizer wrapper: still needed by the installed Accelerate, and the same result."""

from __future__ import annotations

import importlib.util
import inspect

import accelerate.optimizer
import accelerate.utils.imports
import torch
from accelerate import Accelerator

from transferkit.engine.processes.accelerate_compat import cache_optional_package_checks, clear_gradients


def _wrapped_optimizer():
    head = torch.nn.Linear(8, 3)
    optimizer = Accelerator(cpu=True).prepare(torch.optim.AdamW(head.parameters(), lr=1e-3))
    head(torch.randn(4, 8)).sum().backward()
    return optimizer


def _counting(monkeypatch, owner, name: str) -> list:
    calls, original = [], getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args[0] if args else None)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_the_package_lookup_of_each_step_is_asked_once(monkeypatch):
    monkeypatch.setattr(accelerate.optimizer, "is_lomo_available", accelerate.utils.imports.is_lomo_available)
    optimizer = _wrapped_optimizer()
    lookups = _counting(monkeypatch, importlib.util, "find_spec")
    optimizer.step()
    as_installed = lookups.count("lomo_optim")
    assert as_installed >= 1, "Accelerate caches the lookup now: drop cache_optional_package_checks"
    answer = accelerate.optimizer.is_lomo_available()
    cache_optional_package_checks()
    lookups.clear()
    for _ in range(3):
        optimizer.step()
    assert lookups.count("lomo_optim") <= 1
    assert accelerate.optimizer.is_lomo_available() == answer


def test_clearing_gradients_directly_is_zero_grad_without_the_signature_check(monkeypatch):
    optimizer = _wrapped_optimizer()
    signatures = _counting(monkeypatch, inspect, "signature")
    optimizer.zero_grad(set_to_none=True)
    assert signatures, "Accelerate's zero_grad no longer inspects signatures: drop clear_gradients"
    params = [p for g in optimizer.param_groups for p in g["params"]]
    assert all(p.grad is None for p in params)

    optimizer = _wrapped_optimizer()
    signatures.clear()
    assert all(p.grad is not None for g in optimizer.param_groups for p in g["params"])
    clear_gradients(optimizer)
    assert not signatures
    assert all(p.grad is None for g in optimizer.param_groups for p in g["params"])
