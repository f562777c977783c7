"""Every setting, given a value of the wrong type and a wrong value, on the command line, in Python and in a plan file:
each answer is one line in one form that names the setting as it was written and shows a valid example of it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import transferkit as tk
from transferkit import api
from transferkit.cli import app
from transferkit.cli.options import COMMANDS
from transferkit.errors import TransferkitError
from transferkit.plans import Phase, plan_from_yaml
from transferkit.plans.phase_constraints import (Adapter, Alignment, BatchNormPolicy, MixingWeight, Regularizers, StageList,
                                                 StageNumbers)
from transferkit.settings import CompareSettings, DiagnoseSettings, Output, RunSpec
from transferkit.settings.constraints import (Either, FilePath, Flag, Names, Number, Numbers, OneOf, Pattern, Size, Text,
                                              Whole)
from transferkit.settings.use import ExportSettings, PredictSettings

CLI_FORM = re.compile(r"^error: (--[a-z0-9-]+) must be .+ \(for example \1[ ,].*\); got .+\.$")
PYTHON_FORM = re.compile(r"^The '([a-z0-9_.]+)' setting must be .+ \(for example \1=.+\); got .+\.$")
YAML_FORM = re.compile(r"^The '([a-z0-9_.]+)' setting must be .+ \(for example \1: .+\); got .+\.$")


def wrong(check) -> tuple[object, object]:
    """(a value of the wrong type, a value of the right type that the setting refuses) for a constraint."""
    if isinstance(check, Whole):
        return "three", check.min - 1
    if isinstance(check, Number):
        low = check.min if check.min is not None else check.above
        return "three", (low - 1 if low is not None else float("nan"))
    if isinstance(check, OneOf):
        return 3, "nonsense"
    if isinstance(check, Flag):
        return "yes", None
    if isinstance(check, Size):
        return [1], "-1GB"
    if isinstance(check, (Text, FilePath)):
        return 3, ""
    if isinstance(check, Names):
        return "a", ["a", "a"]
    if isinstance(check, Numbers):
        return "x", [1, -2]
    if isinstance(check, Either):
        return "x", 0
    if isinstance(check, Pattern):
        return 9, "rand-q5"
    table = {StageList: (3, ["stage9x"]), StageNumbers: ([1], {"stem": -1}), BatchNormPolicy: (3, "sometimes"),
             Regularizers: (3, {"l2": {}}), Alignment: (3, {"method": "nope"}), Adapter: (3, {"r": 0}),
             MixingWeight: ("x", 1.5)}
    return next(value for kind, value in table.items() if isinstance(check, kind))


def cli_wrong(check) -> tuple[str, ...]:
    """Text that a command-line option refuses: one that is not of its kind, and one of its kind out of range. A flag
    takes no text, and any text is a text, so those have nothing (or only an empty text) to get wrong."""
    if isinstance(check, (Whole, Number)):
        return "three", str(wrong(check)[1])
    table = {OneOf: ("nonsense",), Size: ("lots", "-1GB"), Text: ("",), FilePath: ("",), Names: ("a,a",),
             Numbers: ("x", "1,-2"), Either: ("x", "0"), Pattern: ("rand-q5",), Flag: ()}
    return next(value for kind, value in table.items() if isinstance(check, kind))


def _cli_cases():
    for command, options in COMMANDS.items():
        for option in options:
            for text in cli_wrong(option.setting.check):
                yield pytest.param(command, option, text, id=f"{command}-{option.name}-{text}")


VALID = {"model": "some-model", "data": "digits", "out": "OUT", "format": "onnx"}
ARGUMENTS = {"predict": ["RUN", "a.png"], "evaluate": ["RUN"], "export": ["RUN"], "reproduce": ["RUN"]}


@pytest.mark.parametrize("command, option, text", list(_cli_cases()))
def test_the_command_line_names_the_option_and_an_example(command, option, text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    flag = option.setting.flag(option.name)
    given = {o.name: VALID[o.name] for o in COMMANDS[command] if o.name in VALID and o.name != option.name}
    args = [command, *ARGUMENTS.get(command, [])]
    for name, value in given.items():
        args += [f"--{name}", str(tmp_path / value) if value == "OUT" else value]
    if command == "evaluate":
        args += ["--data", "digits"]
    result = CliRunner().invoke(app, [*args, flag, text])
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert CLI_FORM.match(lines[0]) and CLI_FORM.match(lines[0]).group(1) == flag, lines[0]
    assert list(tmp_path.iterdir()) == []


def _python_calls():
    """(setting name, constraint, a call of the Python API with that setting) for every setting of every record."""
    records = [(RunSpec, lambda **kw: tk.adapt(kw.pop("model", "some-model"), kw.pop("data", "digits"), **kw)),
               (CompareSettings, lambda **kw: tk.compare("some-model", "digits", **kw)),
               (DiagnoseSettings, lambda **kw: tk.diagnose("some-model", "digits", **kw)),
               (PredictSettings, lambda **kw: tk.predict("RUN", ["a.png"], **kw)),
               (Output, lambda out=None, **kw: tk.adapt("some-model", "digits", out=out, **kw)),
               (ExportSettings, lambda **kw: api.export("RUN", out="x.onnx", **{"format": "onnx", **kw}))]
    for record, call in records:
        for name, path in record.settings().items():
            yield name, record.setting_of(path)[0].check, call


@pytest.mark.parametrize("name, check, call", list(_python_calls()), ids=lambda x: x if isinstance(x, str) else "")
def test_python_names_the_setting_and_an_example(name, check, call):
    for value in wrong(check):
        if value is None:
            continue
        with pytest.raises(TransferkitError) as info:
            call(**{name: value})
        message = str(info.value)
        match = PYTHON_FORM.match(message)
        assert "\n" not in message and match and match.group(1) == name, message


@pytest.mark.parametrize("field", [f for f in dataclasses.fields(Phase)], ids=lambda f: f.name)
def test_plan_files_and_phases_name_the_key_and_an_example(field):
    check = field.metadata["setting"].check
    for value in wrong(check):
        if value is None:
            continue
        with pytest.raises(TransferkitError) as info:
            plan_from_yaml(yaml.safe_dump({"phases": [{"name": "a", field.name: value}]}))
        message = str(info.value)
        match = YAML_FORM.match(message)
        assert "\n" not in message and match and match.group(1).split(".")[0] == field.name, message
        assert message.endswith("(phase 1 of plan).") or "; phase 1 of plan)." in message, message
        with pytest.raises(TransferkitError) as info:
            Phase(**{field.name: value})
        match = PYTHON_FORM.match(str(info.value))
        assert match and match.group(1).split(".")[0] == field.name, str(info.value)


def test_every_setting_has_help_and_a_valid_example():
    for record in (RunSpec, CompareSettings, DiagnoseSettings, PredictSettings, ExportSettings, Output, Phase):
        for name, path in record.settings().items():
            setting, _ = record.setting_of(path)
            assert setting.help.strip(), name
            example = setting.example if setting.example is not None else setting.check.example
            assert setting.check.check(example) is not None or example is None, name


def test_a_plan_file_on_disk_is_named_in_the_message(tmp_path: Path):
    plan = tmp_path / "my-plan.yaml"
    plan.write_text("phases: [{name: probe, epochs: 0}]\n")
    with pytest.raises(TransferkitError, match=r"epochs: 10\); got 0 \(phase 1 of plan file '.*my-plan.yaml'\)"):
        tk.load_plan(plan)
