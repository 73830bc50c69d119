"""The statutory timescales the frontline works to, as settings (``timescales:`` in ``authority.yml``).

Each default is the statutory one, with its source (docs/frontline.md lists them all); an authority may set a
shorter one (its own practice standard: CP visits every 10 working days where the law says "at least every
6 weeks" is a common example) or the interval for what the law leaves to it (visits to children in need).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from childhub.declared import Frozen


class Timescales(Frozen):
    """How often each visit, review and assessment falls due. Days and working days are counted after the
    event the interval runs from (a visit on Friday 18 December 2026 with 10 working days to the next falls due on
    Wednesday 6 January 2027: Christmas Day, the Boxing Day substitute on 28 December and New Year's Day are not
    working days); months are calendar months (see ``docs/frontline.md``: the same day of the month, or the
    month's last day when it is shorter: six months after 31 August is 28 February, or 29 in a leap year)."""

    # Child protection: Working Together to Safeguard Children 2023 and the authority's practice standard.
    cp_visit_working_days: int = Field(default=10, ge=1, le=60)
    cp_first_review_months: int = Field(default=3, ge=1, le=12)  # first review conference after the initial one
    cp_review_months: int = Field(default=6, ge=1, le=12)  # then at intervals of not more than 6 months
    # Looked after: the Care Planning, Placement and Case Review (England) Regulations 2010.
    cla_first_visit_days: int = Field(default=7, ge=1, le=60)  # reg 28(2)(a): within 1 week of a placement starting
    cla_visit_weeks: int = Field(default=6, ge=1, le=26)  # reg 28(2)(b): every 6 weeks in a placement's first year
    cla_long_term_visit_months: int = Field(default=3, ge=1, le=12)  # reg 28(3): then 3 months if long-term
    long_term_placement_types: tuple[str, ...] = ("U1", "U4")  # SSDA903 placements intended to last (long-term)
    cla_first_review_working_days: int = Field(default=20, ge=1, le=120)  # reg 33(1): within 20 working days
    cla_second_review_months: int = Field(default=3, ge=1, le=12)  # reg 33(2)(a): within 3 months of the first
    cla_review_months: int = Field(default=6, ge=1, le=12)  # reg 33(2)(b): then every 6 months
    # Health: reg 7 and Schedule 1 (Promoting the health and well-being of looked-after children, 2015).
    health_first_working_days: int = Field(default=20, ge=1, le=120)  # initial assessment: 20 working days
    health_review_months_under_5: int = Field(default=6, ge=1, le=24)
    health_review_months_from_5: int = Field(default=12, ge=1, le=24)
    # Children in need: the interval the authority sets (no national timescale).
    cin_visit_working_days: int = Field(default=20, ge=1, le=130)
    # Assessments: Working Together 2023, within 45 working days of the referral's assessment starting.
    assessment_working_days: int = Field(default=45, ge=1, le=130)
    assessment_warning_working_days: int = Field(default=10, ge=0, le=130)  # shown this many working days ahead
    # Care leavers: the Care Leavers (England) Regulations 2010, reg 7: pathway plan reviewed every 6 months.
    pathway_review_months: int = Field(default=6, ge=1, le=12)

    @field_validator("long_term_placement_types", mode="before")
    @classmethod
    def _placement_codes(cls, value: object) -> object:
        """Codes written in any case, checked against the SSDA903 placement types in the code registry."""
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return value
        from childhub.codes import valid_codes

        codes = tuple(str(code).strip().upper() for code in value)
        known = valid_codes("ssda903_placement")
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not an SSDA903 placement type (U1 and U4 are long-term)")
        return codes

    @model_validator(mode="after")
    def _warning_within_the_timescale(self) -> Timescales:
        if self.assessment_warning_working_days >= self.assessment_working_days:
            raise ValueError(
                "assessment_warning_working_days must be fewer than assessment_working_days "
                f"({self.assessment_warning_working_days} is not fewer than {self.assessment_working_days})"
            )
        if self.cp_first_review_months > self.cp_review_months:
            raise ValueError("cp_first_review_months must not be longer than cp_review_months")
        return self
