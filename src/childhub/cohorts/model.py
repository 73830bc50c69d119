"""``CohortQuery``: one cohort as asked for (GET parameters), checked against the declarations."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from childhub.cohorts.definitions import CohortError, definitions
from childhub.indicators import Period, period_ending

_DECLARED = definitions()


class CohortQuery(BaseModel):
    """One cohort: a population over a period ending on ``as_at``, filtered and grouped (GET parameters)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    population: str = Field("all", description="One of: " + ", ".join(_DECLARED.populations))
    as_at: date = Field(default_factory=date.today, description="The last day of the period (default today)")
    period: str = Field("snapshot", description="One of: " + ", ".join(_DECLARED.periods))
    age_band: str | None = Field(None, description="Only this age band on the as-at date")
    sex: str | None = Field(None, description="Only this sex (F, M, U)")
    ethnicity: str | None = Field(None, description="Only this ethnicity code")
    area: str | None = Field(None, description="Only this area")
    team: str | None = Field(None, description="Only children allocated to this team on the as-at date")
    known_to: str | None = Field(None, description="Only children known to this service during the period")
    sen: str | None = Field(None, description="any, ehc_plan, sen_support or none")
    persistent_absence: str | None = Field(None, description="yes or no")
    group_by: str | None = Field("age_band", description="One of: " + ", ".join(_DECLARED.groupings))
    then_by: str | None = Field(None, description="A second grouping")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _declared(self) -> CohortQuery:
        declared = definitions()
        problems = []
        if self.population not in declared.populations:
            problems.append(
                f"there is no population {self.population!r} (choose from {', '.join(declared.populations)})"
            )
        if self.period not in declared.periods:
            problems.append(f"there is no period {self.period!r} (choose from {', '.join(declared.periods)})")
        for name in ("group_by", "then_by"):
            value = getattr(self, name)
            if value is not None and value not in declared.groupings:
                problems.append(f"{name}: there is no grouping {value!r} (choose from {', '.join(declared.groupings)})")
        if self.then_by is not None and self.then_by == self.group_by:
            problems.append("then_by: choose a second grouping different from the first")
        for name, filter_ in declared.filters.items():
            value = getattr(self, name)
            if value is not None and filter_.choices and value not in dict(filter_.choices):
                allowed = ", ".join(choice for choice, _ in filter_.choices)
                problems.append(f"{name}: {value!r} is not one of {allowed}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def groupings(self) -> list[str]:
        return [name for name in (self.group_by, self.then_by) if name is not None]

    @property
    def filters(self) -> dict[str, str]:
        """The filters in use: name to value."""
        return {name: getattr(self, name) for name in definitions().filters if getattr(self, name) is not None}

    @property
    def span(self) -> Period:
        return period_ending(self.period, self.as_at)  # type: ignore[arg-type]

    def parameters(self) -> dict[str, str]:
        """This cohort as GET parameters (what a link to it carries), leaving out what is blank."""
        values = self.model_dump(exclude_none=True)
        values["as_at"] = self.as_at.isoformat()
        values.setdefault("group_by", "")
        return values

    def describe(self) -> str:
        """The cohort in words, for captions and the audit log."""
        declared = definitions()
        words = [declared.populations[self.population].label, self.span.label]
        for name, value in self.filters.items():
            filter_ = declared.filters[name]
            words.append(f"{filter_.label.lower()}: {dict(filter_.choices).get(value, value)}")
        return ", ".join(words)


def _check_filters_are_fields() -> None:
    """Every declared filter is a field of ``CohortQuery`` (its value comes from the GET parameter)."""
    missing = sorted(set(_DECLARED.filters) - set(CohortQuery.model_fields))
    if missing:
        raise CohortError(f"the cohort filters {', '.join(missing)} have no field in CohortQuery")


_check_filters_are_fields()


def cohort_query(values: dict[str, Any]) -> CohortQuery:
    """A ``CohortQuery`` from plain values (GET parameters); CohortError naming every problem."""
    from pydantic import ValidationError

    try:
        return CohortQuery.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(
            item["msg"].removeprefix("Value error, ")
            if not item["loc"]
            else f"{'.'.join(map(str, item['loc']))}: {item['msg']}"
            for item in error.errors()
        )
        raise CohortError(f"that cohort cannot be counted: {problems}") from None
