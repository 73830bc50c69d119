"""Households, children, addresses, schools and identifiers of a synthetic authority.

Shapes follow published England figures (``reference/population.md``): about 1.7
dependent children per family, lone-parent households about a quarter of families
with children, step-families with differing surnames, twins at about 15 in 1,000
maternities, house moves, and an ethnic mix like a mid-sized English authority.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from childhub.calendar import add_years, age_on
from childhub.identifiers import make_upn, nhs_check_digit
from childhub.synth.events import event_dates
from childhub.synth.model import Address, Adult, Child, Household, Residence
from childhub.synth.names import WeightedChoice, name_bank

CHILDREN_PER_HOUSEHOLD = WeightedChoice([1, 2, 3, 4, 5, 6], [44, 37, 13, 4, 1.4, 0.6])

# A mid-sized English authority's ethnic mix (DfE 4-letter codes), roughly the
# England school population; the last two are the "refused" and "not obtained" codes.
ETHNICITY = WeightedChoice(
    [
        "WBRI",
        "WIRI",
        "WIRT",
        "WOTH",
        "WROM",
        "MWBC",
        "MWBA",
        "MWAS",
        "MOTH",
        "AIND",
        "APKN",
        "ABAN",
        "AOTH",
        "BCRB",
        "BAFR",
        "BOTH",
        "CHNE",
        "OOTH",
        "REFU",
        "NOBT",
    ],
    [68, 0.5, 0.2, 6, 0.6, 1.5, 0.8, 1.2, 1.8, 3, 3.5, 1.3, 1.6, 1.0, 3.5, 0.5, 0.6, 1.8, 1.0, 0.6],
)
INVERSE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DISABILITIES = WeightedChoice(
    ["AUT", "BEH", "COMM", "LD", "MOB", "PC", "HEAR", "VIS", "CON", "HAND", "INC", "DDA"],
    [25, 20, 15, 12, 6, 5, 4, 3, 4, 3, 2, 1],
)
TWIN_RATE = 0.032
LONE_PARENT_RATE = 0.24
STEPFAMILY_RATE = 0.11
HOUSE_MOVE_RATE_PER_YEAR = 0.09
MAX_AGE_KEPT = 21  # care leavers are followed to 21


def _years(days: float) -> timedelta:
    return timedelta(days=round(days * 365.25))


class PopulationBuilder:
    """Builds households until the authority has ``size`` children aged 0-17."""

    def __init__(self, rng: random.Random, as_at: date, la_number: int, history_start: date):
        self.rng = rng
        self.as_at = as_at
        self.la_number = la_number
        self.history_start = history_start
        self.names = name_bank()
        self._nhs_numbers: set[str] = set()
        self._postcodes: dict[str, list[str]] = {}
        self._person_counter = 0
        self._household_counter = 0

    # identifiers -----------------------------------------------------------------
    def _person_id(self) -> str:
        self._person_counter += 1
        return f"P{self._person_counter:07d}"

    def nhs_number(self) -> str:
        while True:
            first_nine = str(self.rng.randint(400_000_000, 799_999_999))
            check = nhs_check_digit(first_nine)
            number = f"{first_nine}{check}"
            if check is not None and number not in self._nhs_numbers:
                self._nhs_numbers.add(number)
                return number

    # places ----------------------------------------------------------------------
    def postcode(self, district: str) -> str:
        pool = self._postcodes.setdefault(district, [])
        # about fifteen households share a postcode, as in the UK
        if not pool or self.rng.random() < 1 / 15:
            letters = INVERSE_INWARD_LETTERS
            code = f"{district} {self.rng.randint(1, 9)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
            pool.append(code)
            return code
        return self.rng.choice(pool)

    def address(self, neighbouring: bool = False) -> Address:
        localities = self.names.neighbour_localities if neighbouring else self.names.home_localities
        locality, district = self.rng.choice(localities)
        number = self.rng.randint(1, 180)
        if self.rng.random() < 0.12:
            line1 = f"Flat {self.rng.randint(1, 24)}, {number} {self.rng.choice(self.names.streets)}"
        else:
            line1 = f"{number} {self.rng.choice(self.names.streets)}"
        return Address(line1=line1, locality=locality, postcode=self.postcode(district))

    # people ----------------------------------------------------------------------
    def forename(self, sex: str) -> str:
        return self.names.first[sex].draw(self.rng)

    def surname(self) -> str:
        return self.names.surname.draw(self.rng)

    def household(self) -> Household | None:
        rng = self.rng
        as_at = self.as_at
        self._household_counter += 1
        household_id = f"H{self._household_counter:06d}"
        ethnicity = ETHNICITY.draw(rng)
        wanted = CHILDREN_PER_HOUSEHOLD.draw(rng)
        eldest_age = rng.uniform(0, 24)
        births: list[date] = []
        birth = as_at - _years(eldest_age)
        while len(births) < wanted:
            births.append(birth)
            if len(births) < wanted and rng.random() < TWIN_RATE:
                births.append(birth)
            birth = birth + _years(rng.uniform(1.1, 5.0))
            if birth > as_at + timedelta(days=120):
                break
        births = [b for b in births[:wanted] if age_on(b, as_at) <= MAX_AGE_KEPT]
        # an unborn child is only kept when due in the next four months
        births = [b for b in births if b <= as_at or rng.random() < 0.35]
        if not births:
            return None

        lone = rng.random() < LONE_PARENT_RATE
        step = not lone and len(births) > 1 and rng.random() < STEPFAMILY_RATE * 2
        mother_age_at_first = rng.triangular(16, 42, 28)
        mother = Adult(
            person_id=self._person_id(),
            forename=self.forename("F"),
            surname=self.surname(),
            sex="F",
            dob=births[0] - _years(mother_age_at_first),
            role="mother",
        )
        adults = [mother]
        father_surname = self.surname()
        if not lone:
            role = "stepfather" if step else "father"
            adults.append(
                Adult(
                    person_id=self._person_id(),
                    forename=self.forename("M"),
                    surname=father_surname,
                    sex="M",
                    dob=mother.dob - _years(rng.uniform(-3, 8)),
                    role=role,
                )
            )
            if rng.random() < 0.6:  # most mothers in couples share the family surname
                mother.surname = father_surname
        household_surname = father_surname if not lone else mother.surname

        # children of an earlier relationship carry their own father's surname
        earlier_surname = self.surname()
        split = rng.randint(1, len(births) - 1) if step else 0
        residences = [Residence(start=min(births[0], self.history_start) - _years(3), address=self.address())]
        for moment in event_dates(rng, HOUSE_MOVE_RATE_PER_YEAR, residences[0].start, as_at, 30):
            residences.append(Residence(start=moment, address=self.address()))

        children: list[Child] = []
        previous: Child | None = None
        for index, dob in enumerate(births):
            sex = "M" if rng.random() < 0.512 else "F"
            if step and index < split:
                surname = earlier_surname
            elif lone and rng.random() < 0.35:
                surname = father_surname
            else:
                surname = household_surname
            if not lone and mother.surname != father_surname and rng.random() < 0.08:
                surname = f"{mother.surname}-{father_surname}"
            child_ethnicity = ethnicity
            if rng.random() < 0.04:
                child_ethnicity = rng.choice(["MWBC", "MWBA", "MWAS", "MOTH"])
            child = Child(
                person_id=self._person_id(),
                household_id=household_id,
                forename=self.forename(sex),
                middle_name=self.forename(sex) if rng.random() < 0.6 else None,
                surname=surname,
                sex=sex,
                dob=dob,
                ethnicity=child_ethnicity,
                nhs_number=self.nhs_number(),
            )
            if previous is not None and previous.dob == dob:
                child.twin_of = previous.person_id
                previous.twin_of = child.person_id
                child.ethnicity = previous.ethnicity
                child.surname = previous.surname
                # twins never share a first name
                while child.forename == previous.forename:
                    child.forename = self.forename(sex)
            if rng.random() < 0.035:
                child.disabilities = tuple(sorted({DISABILITIES.draw(rng) for _ in range(rng.choice([1, 1, 1, 2]))}))
            children.append(child)
            previous = child
        return Household(
            household_id=household_id,
            surname=household_surname,
            ethnicity=ethnicity,
            residences=residences,
            adults=adults,
            children=children,
            risk=0.0,
            lone_parent=lone,
            stepfamily=step,
        )

    def unaccompanied_child(self, arrival: date) -> Household:
        """An unaccompanied asylum-seeking child: a household of one, aged 14-17 on arrival."""
        rng = self.rng
        self._household_counter += 1
        household_id = f"H{self._household_counter:06d}"
        sex = "M" if rng.random() < 0.92 else "F"
        dob = arrival - _years(rng.uniform(14.2, 17.8))
        child = Child(
            person_id=self._person_id(),
            household_id=household_id,
            forename=self.forename(sex),
            middle_name=None,
            surname=self.surname(),
            sex=sex,
            dob=dob,
            ethnicity=rng.choice(["OOTH", "AOTH", "BAFR", "BOTH", "WOTH"]),
            nhs_number=self.nhs_number(),
            uasc=True,
        )
        return Household(
            household_id=household_id,
            surname=child.surname,
            ethnicity=child.ethnicity,
            residences=[Residence(start=arrival, address=self.address())],
            adults=[],
            children=[child],
            risk=0.0,
            lone_parent=False,
            stepfamily=False,
        )


def build_households(
    rng: random.Random, size: int, as_at: date, la_number: int, history_start: date
) -> tuple[PopulationBuilder, list[Household]]:
    """Households until ``size`` children are aged 0-17 on ``as_at``."""
    builder = PopulationBuilder(rng, as_at, la_number, history_start)
    households: list[Household] = []
    children_0_17 = 0
    while children_0_17 < size:
        household = builder.household()
        if household is None:
            continue
        households.append(household)
        children_0_17 += sum(1 for c in household.children if 0 <= age_on(c.dob, as_at) <= 17 and c.dob <= as_at)
    return builder, households


def school_upn(la_number: int, establishment: int, entry_year: int, serial: int) -> str:
    return make_upn(la_number, establishment, entry_year, serial)


__all__ = ["PopulationBuilder", "build_households", "school_upn", "add_years"]
