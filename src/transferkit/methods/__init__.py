"""Small losses and helpers that a phase can switch on."""

from .l2sp import L2SP

__all__ = ["L2SP"]
