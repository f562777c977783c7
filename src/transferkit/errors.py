"""User-facing errors: one line that names the problem and the fix."""


class TransferkitError(Exception):
    """Bad input or an impossible request. The CLI prints the message on one line and exits with 2."""


class DataError(TransferkitError):
    """A data spec, folder, CSV file or image set that cannot be used."""


class ModelError(TransferkitError):
    """A model spec, weights file or architecture that cannot be used."""


class PlanError(TransferkitError):
    """A strategy, plan file or phase setting that is invalid."""


class RunError(TransferkitError):
    """A run directory or training run that cannot proceed."""


class Interrupted(KeyboardInterrupt):
    """The user stopped a run (Ctrl-C); the message says what is kept and how to continue. Exit code 130."""


def one_line(exc: TransferkitError) -> str:
    """The error's message. PyTorch re-raises an error from a DataLoader worker process with the worker's traceback
    in its message ("Caught DataError in DataLoader worker process 0. Original Traceback ..."); of such a message only
    the original one, on the traceback's last line, is kept."""
    text = str(exc)
    if not (text.startswith("Caught ") and "Original Traceback" in text):
        return text
    last = text.rstrip().splitlines()[-1]
    name = f"{type(exc).__module__}.{type(exc).__name__}: "
    return last[len(name):] if last.startswith(name) else last
