"""The cases of the bad-input corpus: each builds its input in a fresh folder and returns the CLI arguments.

Outcomes (checked by test_bad_inputs.py):

- ``error``: exit code 2, one line ``error: ...`` naming the problem and the fix, no traceback, and nothing
  written (no run directory, no staging directory, no temporary file), unless the case says what it keeps
  on purpose (a failed run keeps its last good checkpoint in ``.NAME.partial`` for ``--resume``).
- ``skip`` (documented skip): the run succeeds; the unusable image is left out with one warning and counted
  in run.json (``data.num_skipped``, ``data.skipped``). This holds for truncated JPEG and PNG files, a
  zero-byte file, text named ``.jpg``, a decompression bomb, an unreadable file, a symlink loop between files
  and a broken symlink, each inside an otherwise good folder. A class left with no readable image is an error.
- ``accepted``: odd but valid input that is used as it is: a 16-bit PNG (scaled to 8 bits), a CMYK JPEG, a
  palette PNG with transparency (composited on black), a 1x1 image (resized up), PNG bytes named ``.jpg``, an
  animated GIF (first frame), a folder symlink loop (each folder visited once), unicode and spaces in paths,
  a class list that reorders the classes, and a non-image file in a class folder (ignored with a warning).

docs/bad-inputs.md lists the same cases for users.
"""

from __future__ import annotations

from corpus_context import Case, Context
from corpus_data import DATA_CASES
from corpus_output import OUTPUT_CASES
from corpus_runs import RUN_CASES
from corpus_weights import WEIGHTS_CASES

CASES = DATA_CASES + RUN_CASES + WEIGHTS_CASES + OUTPUT_CASES

__all__ = ["CASES", "Case", "Context"]
