"""The authority's own settings file: population, targets and tolerances, early-warning rules; RAG and SPC.

``authority.yml`` lives in the data folder (or wherever ``CHILDHUB_AUTHORITY_FILE`` points)::

    name: Ashmere Borough Council (synthetic)
    population_0_17: 20000          # ONS mid-year estimate of 0-17s: rates per 10,000 use it
    caseload_threshold: 18          # cases per worker above which a caseload is flagged
    ons_code: E09000027             # the authority's ONS code, which the DfE returns carry
    la_number: 201                  # the DfE's three-digit LA code (childhub dfe-api sends under it)
    unallocated_days: 5             # days a child open to social care may wait for a worker before
                                    # data quality lists them
    early_warning:
      run_length: 6                 # this many periods in a row moving the wrong way warns
      points: 24                    # monthly points the control limits are drawn from
    targets:
      re_referrals_12m: {target: 20, tolerance: 2}
    timescales:                     # statutory defaults; docs/frontline.md gives each one's source
      cin_visit_working_days: 20    # visits to children in need: the authority's own standard

RAG for an indicator where higher is better: green at or above the target, amber within the
tolerance below it, red further below (mirrored where lower is better). A neutral indicator is
green within the tolerance either side of its target, amber within twice the tolerance, red
beyond. No target, no RAG.

Statistical process control (XmR): the centre line is the mean of the points; the moving
range is the mean absolute difference between consecutive points; the limits are the centre
line plus and minus 2.66 moving ranges. A warning is raised when the latest point lies beyond
a limit in the worse direction (either, for a neutral indicator), or when the last
``run_length`` moves were all in the wrong direction. Only complete periods are points: the
month still under way (1 to 4 December) is shown as partial and never judged.

RAG is judged on the value as it is shown (``compute.shown_value``), so the colour and the
number agree; over part of a year a count or rate is judged on its annualised value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from childhub.declared import Frozen, Problems, raise_if_any, read_yaml, validate
from childhub.errors import SettingsError
from childhub.frontline import Timescales

if TYPE_CHECKING:
    from childhub.settings import Settings

AUTHORITY_FILE = "authority.yml"
Rag = Literal["green", "amber", "red"]


class Target(Frozen):
    """The value an indicator should reach, and how far from it is amber rather than red."""

    target: float
    tolerance: float = Field(default=0.0, ge=0)


class EarlyWarning(Frozen):
    run_length: int = Field(default=6, ge=2, le=24)
    points: int = Field(default=24, ge=6, le=120)


class AuthoritySettings(Frozen):
    """What an authority says about itself that its data cannot."""

    name: str = "Local authority"
    population_0_17: int | None = Field(default=None, gt=0)
    caseload_threshold: float = Field(default=18.0, gt=0)
    ons_code: str | None = Field(default=None, pattern=r"^E0[0-9]{7}$")  # e.g. E09000027: returns name it
    la_number: str | None = Field(default=None, pattern=r"^[0-9]{3}$")  # e.g. 201: the DfE's three-digit LA code
    unallocated_days: int = Field(default=5, ge=0, le=365)  # days open with no worker before data quality says so
    early_warning: EarlyWarning = EarlyWarning()
    targets: dict[str, Target] = {}
    timescales: Timescales = Timescales()  # statutory visits, reviews and assessments (docs/frontline.md)

    @field_validator("la_number", mode="before")
    @classmethod
    def _la_number_as_text(cls, value: object) -> object:
        """``la_number: 201`` in YAML is a number: the code is three digits as text."""
        return f"{value:03d}" if isinstance(value, int) and not isinstance(value, bool) else value


def load_authority(path: Path) -> AuthoritySettings:
    """The settings in ``path``; defaults (no population, no targets) if there is no such file."""
    if not path.exists():
        return AuthoritySettings()
    problems = Problems()
    data = read_yaml(path, problems)
    settings = None if problems else validate(data or {}, AuthoritySettings, path.name, problems)
    if settings is not None:
        from childhub.indicators.definitions import library

        unknown = sorted(set(settings.targets) - set(library()))
        if unknown:
            problems.add(path.name, "targets", f"no indicator is called {', '.join(unknown)}")
    raise_if_any(problems, str(path), SettingsError, one_line=True)
    assert settings is not None
    return settings


def authority_path(data_dir: Path, settings: Settings) -> Path:
    """Where the authority's settings file is: ``settings.authority_file`` if set, else ``authority.yml`` in
    ``data_dir``. The one place this is decided: the CLI, the web app and the demo all ask here."""
    return settings.authority_file if settings.authority_file is not None else Path(data_dir) / AUTHORITY_FILE


def authority_for(data_dir: Path, settings: Settings) -> AuthoritySettings:
    """The authority settings the hub in ``data_dir`` runs with (see ``authority_path``)."""
    return load_authority(authority_path(data_dir, settings))


def rag_status(value: float | None, target: Target | None, polarity: str) -> Rag | None:
    """Green, amber or red for ``value`` against ``target`` (None without either)."""
    if value is None or target is None:
        return None
    if polarity == "neutral":
        distance = abs(value - target.target)
        if distance <= target.tolerance:
            return "green"
        return "amber" if distance <= 2 * target.tolerance else "red"
    shortfall = target.target - value if polarity == "higher_is_better" else value - target.target
    if shortfall <= 0:
        return "green"
    return "amber" if shortfall <= target.tolerance else "red"


@dataclass(frozen=True)
class ControlLimits:
    """An XmR chart's centre line and its lower and upper natural process limits."""

    centre: float
    lower: float
    upper: float


def xmr_limits(values: list[float]) -> ControlLimits | None:
    """XmR control limits of a series (None with fewer than two points)."""
    if len(values) < 2:
        return None
    centre = sum(values) / len(values)
    moving_range = sum(abs(b - a) for a, b in zip(values, values[1:], strict=False)) / (len(values) - 1)
    return ControlLimits(centre, centre - 2.66 * moving_range, centre + 2.66 * moving_range)


def early_warnings(
    values: list[float | None], polarity: str, run_length: int, describe: Callable[[float], str] | None = None
) -> list[str]:
    """Why a series warns, in plain words (empty when it does not); ``describe`` writes a value as people
    read it ("30.5 per 10,000"). The caller passes complete periods only: a part month is not a point."""
    say = describe or (lambda value: f"{value:g}")
    points = [value for value in values if value is not None]
    warnings = []
    limits = xmr_limits(points)
    if limits is not None and limits.upper > limits.lower:
        latest = points[-1]
        # A special cause in the better direction is good news, not a warning.
        if latest > limits.upper and polarity != "higher_is_better":
            warnings.append(f"latest point {say(latest)} is above the upper control limit {say(limits.upper)}")
        elif latest < limits.lower and polarity != "lower_is_better":
            warnings.append(f"latest point {say(latest)} is below the lower control limit {say(limits.lower)}")
    if polarity != "neutral" and len(points) > run_length:
        moves = [b - a for a, b in zip(points[-run_length - 1 :], points[-run_length:], strict=False)]
        wrong = all(move > 0 for move in moves) if polarity == "lower_is_better" else all(move < 0 for move in moves)
        if wrong:
            warnings.append(f"moved the wrong way {run_length} periods in a row")
    return warnings
