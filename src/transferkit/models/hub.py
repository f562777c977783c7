"""Model hub downloads: is the hub reachable (asked once, quickly), recognising network failures, what to do instead."""

from __future__ import annotations

import os
import socket
import threading
import urllib.request
from functools import lru_cache
from urllib.parse import urlparse

from transferkit.errors import ModelError

_NETWORK_MODULES = ("huggingface_hub", "requests", "urllib3", "httpx", "httpcore", "http.client", "urllib", "socket")
_OFFLINE_VALUES = ("1", "true", "yes", "on")
PROBE_SECONDS = 3.0


class HubUnreachable(ModelError):
    """Pretrained weights could not be downloaded because the hub cannot be reached."""


def is_network_error(error: BaseException) -> bool:
    """True for errors a download raises when the hub cannot be reached (OSError and the HTTP libraries')."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) or type(error).__module__.startswith(_NETWORK_MODULES):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def offline_requested() -> bool:
    """HF_HUB_OFFLINE (Hugging Face's own switch) asks for no network access."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _OFFLINE_VALUES


@lru_cache(maxsize=16)
def _connects(host: str, port: int) -> bool:
    # A thread bounds the name lookup too, which socket timeouts do not cover.
    outcome: list[bool] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=PROBE_SECONDS).close()
            outcome.append(True)
        except OSError:
            outcome.append(False)

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(PROBE_SECONDS)
    return bool(outcome and outcome[0])


def hub_reachable(url: str) -> bool:
    """Whether `url`'s host (or the HTTPS proxy in between) accepts a connection within a few seconds.

    Asked once per host and process, so a failing download reports at once instead of after the clients'
    retries. False without asking when HF_HUB_OFFLINE is set.
    """
    if offline_requested():
        return False
    proxy = urllib.request.getproxies().get("https")
    parsed = urlparse(proxy if proxy else url)
    if not parsed.hostname:
        return True
    return _connects(parsed.hostname, parsed.port or (443 if parsed.scheme != "http" else 80))


def download_error(target: str) -> HubUnreachable:
    return HubUnreachable(f"Could not download pretrained weights for {target} (no network or hub access); "
                          "pass --weights FILE for a local weights file, or --no-pretrained for random weights.")


def no_weights_error(target: str) -> ModelError:
    return ModelError(f"{target} has no published pretrained weights; "
                      "pass --weights FILE for a local weights file, or --no-pretrained for random weights.")
