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
