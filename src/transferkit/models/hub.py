"""Model hub downloads: recognising network failures and saying what to do instead."""

from __future__ import annotations

from transferkit.errors import ModelError

_NETWORK_MODULES = ("huggingface_hub", "requests", "urllib3", "httpx", "httpcore", "http.client", "urllib", "socket")


def is_network_error(error: BaseException) -> bool:
    """True for errors a download raises when the hub cannot be reached (OSError and the HTTP libraries')."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) or type(error).__module__.startswith(_NETWORK_MODULES):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def download_error(target: str) -> ModelError:
    return ModelError(f"Could not download pretrained weights for {target} (no network or hub access); "
                      "pass --weights FILE for a local weights file, or --no-pretrained for random weights.")


def no_weights_error(target: str) -> ModelError:
    return ModelError(f"{target} has no published pretrained weights; "
                      "pass --weights FILE for a local weights file, or --no-pretrained for random weights.")
