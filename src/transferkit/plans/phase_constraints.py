"""Constraints of the phase settings that are more than a number or a name: stage lists, per-stage mappings, the
regularizers, the alignment loss and the low-rank adapter."""

from __future__ import annotations

import re
from typing import Any

from ..settings.choices import BN_POLICIES
from ..settings.constraints import Constraint, Invalid, Number, OneOf, Whole

STAGE_NAME = re.compile(r"^(all|head|stem|stage\d+|top:\d+)$")
STAGES_IN_WORDS = "'stem', 'stage1'..'stageN' or 'head'"
REGULARIZER_SETTINGS = {"l2sp": ("alpha", "beta")}
ADAPTER_KEYS = {"r": 4, "alpha": 8.0, "dropout": 0.0}
_ADAPTER_CHECKS = {"r": Whole(min=1), "alpha": Number(above=0), "dropout": Number(min=0, below=1)}
_SETTING_NUMBER = Number(min=0)


def _stage(name: Any, selectors: bool) -> str:
    """A stage name (`selectors`: also 'all' and 'top:K')."""
    if not isinstance(name, str) or not STAGE_NAME.match(name) or (not selectors and (
            name == "all" or name.startswith("top:"))):
        kinds = "'all', 'head', 'stem', 'stage1'..'stageN' or 'top:K'" if selectors else STAGES_IN_WORDS
        raise Invalid(name, f"stage names ({kinds})", detail=f"Unknown stage {name!r}")
    return name


class StageList(Constraint):
    """A non-empty list of stage selectors; one name alone is read as a list of one."""

    what = "a list of stage names such as [stage4, head]"
    example = ["head"]

    def check(self, value: Any) -> list[str]:
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not value:
            raise Invalid(value)
        return [_stage(s, selectors=True) for s in value]


class StageNumbers(Constraint):
    """A mapping stage -> number (at least 0)."""

    what = "a mapping of stage names to numbers such as {stem: 0.1}"
    example = {"stem": 0.1}

    def check(self, value: Any) -> dict[str, float]:
        if not isinstance(value, dict):
            raise Invalid(value)
        for stage, scale in value.items():
            _stage(stage, selectors=False)
            try:
                _SETTING_NUMBER.check(scale)
            except Invalid:
                raise Invalid(scale, _SETTING_NUMBER.what, key=stage, example=1.0) from None
        return value


class BatchNormPolicy(Constraint):
    """One batch-norm policy for every stage, or a mapping stage -> policy (missing stages follow `auto`)."""

    what = f"one of {list(BN_POLICIES)} or a mapping of stage names to them"
    example = "frozen"
    _policy = OneOf(BN_POLICIES)

    def check(self, value: Any) -> str | dict[str, str]:
        if isinstance(value, dict):
            for stage, policy in value.items():
                _stage(stage, selectors=False)
                if policy not in BN_POLICIES:
                    raise Invalid(policy, self._policy.what, key=stage, example="frozen")
            return value
        return self._policy.check(value)


class Regularizers(Constraint):
    """A mapping regularizer name -> its settings (numbers of at least 0)."""

    what = f"a mapping of regularizers ({list(REGULARIZER_SETTINGS)}) to their settings, such as {{l2sp: {{alpha: 0.1}}}}"
    example = {"l2sp": {"alpha": 0.1}}

    def check(self, value: Any) -> dict[str, dict[str, float]]:
        if not isinstance(value, dict):
            raise Invalid(value)
        for name, settings in value.items():
            if name not in REGULARIZER_SETTINGS:
                raise Invalid(value, f"a mapping whose keys are among {list(REGULARIZER_SETTINGS)} ({name!r} is not "
                                     "one)")
            known = REGULARIZER_SETTINGS[name]
            if not isinstance(settings, dict) or set(settings) - set(known):
                raise Invalid(value, f"a mapping in which {name!r} maps to settings among {list(known)}")
            for key, number in settings.items():
                try:
                    _SETTING_NUMBER.check(number)
                except Invalid:
                    raise Invalid(number, _SETTING_NUMBER.what, key=f"{name}.{key}", example=0.1) from None
        return value


class Alignment(Constraint):
    """None, or a mapping with a registered alignment loss `method`, its `weight` and the loss's own settings, each
    checked by the method's rule for it (`AlignmentMethod.rule`)."""

    example = {"method": "coral"}

    @property
    def what(self) -> str:  # the registered names, read when a message needs them
        from ..methods.alignment import alignment_names

        return f"a mapping with a 'method' (one of {alignment_names()}) and its settings"

    def check(self, value: Any) -> dict[str, Any]:
        from ..methods.alignment import alignment_method, alignment_names

        if not isinstance(value, dict) or "method" not in value:
            raise Invalid(value)
        if value["method"] not in alignment_names():
            raise Invalid(value["method"], f"one of {alignment_names()}", key="method", example="coral")
        method = alignment_method(value["method"])
        for key, number in value.items():
            if key == "method":
                continue
            if key not in method.settings():
                raise Invalid(value, f"a mapping of the settings of {method.name!r}; valid settings are "
                                     f"{list(method.settings())}, not {key!r}")
            rule = method.rule(key)
            try:
                rule.check(number)
            except Invalid:
                raise Invalid(number, rule.what, key=key, example=rule.example) from None
        return value


class Adapter(Constraint):
    """None, or low-rank adapter settings: r (rank, a whole number of at least 1), alpha (scale numerator, above 0),
    dropout (from 0 to below 1)."""

    what = f"a mapping of adapter settings among {list(ADAPTER_KEYS)}, such as {{r: 4, alpha: 8}}"
    example = {"r": 4, "alpha": 8}

    def check(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(value)
        for key, number in value.items():
            if key not in ADAPTER_KEYS:
                raise Invalid(value, f"a mapping of adapter settings; valid settings are {list(ADAPTER_KEYS)}, not "
                                     f"{key!r}")
            try:
                _ADAPTER_CHECKS[key].check(number)
            except Invalid:
                raise Invalid(number, _ADAPTER_CHECKS[key].what, key=key, example=ADAPTER_KEYS[key]) from None
        return value


class MixingWeight(Constraint):
    """WiSE-FT's alpha: a number from 0 to 1, or 'auto' (chosen on validation)."""

    what = "a number from 0 to 1 or auto"
    example = 0.5
    metavar = "ALPHA"
    _number = Number(min=0, max=1)

    def check(self, value: Any) -> float | str:
        if value == "auto":
            return value
        if isinstance(value, str):
            raise Invalid(value)
        try:
            return self._number.check(value)
        except Invalid:
            raise Invalid(value) from None

    def parse(self, text: str) -> float | str:
        return self.check(text if text == "auto" else self._number.parse(text))
