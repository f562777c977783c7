"""The tiny architecture, source and target the tests share (the fixtures in tests/conftest.py build on them)."""

TINY_ARCH = "timm:resnet10t?channels=16,32,48,64&stem_width=16"
TINY_SOURCE = "synthetic:glyphs?classes=12&per_class=40&size=16"
TINY_TARGET = "synthetic:glyphs?classes=6&per_class=24&size=16&seed=1"
