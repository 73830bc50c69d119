"""Loading declared data: YAML files read into frozen typed models, every problem reported at once.

Indicators, mappings, Annex A templates, the code registry and the authority file are all data
checked when they load. They share this one mechanism:

- ``Frozen``: the base of every declared model (immutable, unknown fields refused);
- ``Problems``: collects each problem as ``file: field: message`` instead of stopping at the first;
- ``read_yaml`` and ``load_yaml``: read a file (and validate it into a model), adding a problem
  for an unreadable file, bad YAML or each field pydantic refuses;
- ``raise_if_any``: one error listing every problem, headed ``<what>: N problem(s)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from childhub.errors import ChildhubError

ModelT = TypeVar("ModelT", bound=BaseModel)
# libyaml's safe loader where PyYAML was built with it: ten times faster, and as safe.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Frozen(BaseModel):
    """A declared model: immutable, and a field it does not know is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Problems:
    """Every problem found while loading, each naming its file and field."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, str]] = []  # (file, field, message)

    def __len__(self) -> int:
        return len(self.found)

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, file: str, field: str, message: str) -> None:
        self.found.append((file, field, message))

    def add_validation(self, file: str, error: ValidationError, prefix: str = "") -> None:
        """One problem per field pydantic refused, the field written as a dotted path."""
        for item in error.errors():
            field = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
            self.add(file, field or "(file)", item["msg"].removeprefix("Value error, "))

    def lines(self, omit_file: str | None = None) -> list[str]:
        """``file: field: message`` each (without the file where ``omit_file`` names it)."""
        omit = {omit_file, Path(omit_file).name} if omit_file else set()
        return [
            ": ".join(part for part in ("" if file in omit else file, field, message) if part)
            for file, field, message in self.found
        ]


def declared_files(directory: Path, pattern: str, what: str, problems: Problems) -> list[Path]:
    """The files in ``directory`` matching ``pattern``, in name order; a problem if there are none."""
    paths = sorted(directory.glob(pattern))
    if not paths:
        problems.add(str(directory), "", f"holds no {what} ({pattern})")
    return paths


def parse_yaml(text: str) -> Any:
    """YAML text as data, by the safe loader (libyaml's where PyYAML has it); raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_SAFE_LOADER)


def read_yaml(path: Path, problems: Problems) -> Any:
    """The YAML in ``path``, or None with a problem added when it cannot be read."""
    try:
        return parse_yaml(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        problems.add(path.name, "", f"cannot be read ({getattr(error, 'strerror', None) or error})")
    except yaml.YAMLError as error:
        problems.add(path.name, "", f"cannot be read as YAML (not valid YAML: {str(error).splitlines()[0]})")
    return None


def validate(data: Any, model: type[ModelT], file: str, problems: Problems, prefix: str = "") -> ModelT | None:
    """``data`` as a ``model``, or None with a problem added for each field it refuses."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.add_validation(file, error, prefix)
        return None


def load_yaml(path: Path, model: type[ModelT], problems: Problems, **extra: Any) -> ModelT | None:
    """The file at ``path`` as a ``model`` (with ``extra`` fields added), or None with its problems added."""
    before = len(problems)
    data = read_yaml(path, problems)
    if len(problems) > before:
        return None
    if not isinstance(data, dict):
        problems.add(path.name, "", "should be a mapping of fields")
        return None
    return validate({**data, **extra}, model, path.name, problems)


def raise_if_any(problems: Problems, what: str, error_type: type[ChildhubError], *, one_line: bool = False) -> None:
    """Raise one ``error_type`` listing every problem: ``<what>: N problem(s)`` then each problem.

    ``one_line`` joins them with "; " for an error read inline (a mapping named in a CLI message);
    a problem in the file ``what`` names is written without repeating the file.
    """
    if not problems:
        return
    lines = problems.lines(omit_file=what)
    head = f"{what}: {len(lines)} problem(s)"
    if one_line:
        raise error_type(f"{head}: " + "; ".join(lines))
    raise error_type(f"{head}:\n- " + "\n- ".join(lines))
