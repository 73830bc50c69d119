"""The code registry: checked when it loads, and held to the DfE's CIN census schemas.

The XSDs in ``fixtures/cin_schemas/`` are an independent oracle: the registry (which the CIN
reader and the synthetic generator both use) must allow exactly what each year's schema
enumerates, code for code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from childhub.codes import CodeRegistryError, code_set, label, load_registry, registry, valid_codes
from childhub.ingest import cin_census as cin
from childhub.synth import looked_after, services
from childhub.synth.population import DISABILITIES, ETHNICITY
from childhub.synth.social_care import ASSESSMENT_FACTORS, CP_CATEGORY, PRIMARY_NEED, REFERRAL_SOURCE

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "cin_schemas"
SCHEMA_YEARS = sorted(int(path.stem.rsplit("_", 1)[1]) for path in SCHEMAS.glob("CIN_schema_*.xsd"))
# Each enumerated type of the CIN census schema, and the registry set the reader checks it with.
CIN_TYPES = {
    "ethnicitytype": cin.ETHNICITY, "disabilitytype": cin.DISABILITY, "unknownupntype": cin.UPN_UNKNOWN,
    "gendertype": cin.SEX, "referralsourcetype": cin.REFERRAL_SOURCE, "primaryneedcodetype": cin.PRIMARY_NEED,
    "reasonforclosuretype": cin.REASON_FOR_CLOSURE, "categoryofabuse": cin.CATEGORY_OF_ABUSE,
    "assessmentfactorstype": cin.ASSESSMENT_FACTORS,
}  # fmt: skip


def schema_codes(year: int) -> dict[str, set[str]]:
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    tree = etree.parse(str(SCHEMAS / f"CIN_schema_{year}.xsd"))
    return {
        simple.get("name"): {item.get("value") for item in simple.iterfind(".//xs:enumeration", ns)}
        for simple in tree.iterfind(".//xs:simpleType[@name]", ns)
    }


@pytest.mark.parametrize("year", SCHEMA_YEARS)
def test_the_registry_allows_what_each_years_schema_allows_and_nothing_else(year):
    schema = schema_codes(year)
    for type_name, set_id in CIN_TYPES.items():
        allowed = valid_codes(set_id, year, within=cin.CIN_CENSUS)
        assert allowed - schema[type_name] == set(), f"{set_id} allows codes the {year} schema does not"
        assert schema[type_name] - allowed == set(), f"the {year} schema allows {set_id} codes the registry does not"


def test_upn_reasons_are_un1_to_un7_in_the_cin_census_and_un1_to_un10_in_any_return():
    assert valid_codes("upn_unknown", 2024, within="cin_census") == {f"UN{n}" for n in range(1, 8)}
    assert valid_codes("upn_unknown") == {f"UN{n}" for n in range(1, 11)}
    problem = code_set("upn_unknown").check("UN9", 2024, "UPNunknown", within="cin_census")
    assert problem == "not one of the CIN census's UPNunknown codes"


def test_codes_carry_labels_people_read():
    assert label("sex", "M") == "Male"
    assert label("person_sex", "I") == "Indeterminate"  # the child page's words for the facts' codes
    assert label("cin_sex", "9") == "Indeterminate"
    assert label("reason_for_closure", "RC9") == "Case closed after assessment, referred to early help"
    assert label("sex", "X") is None and label("sex", None) is None
    for code_set_ in registry().values():
        for code in code_set_.codes:
            assert code.label != code.code, f"{code_set_.id} {code.code}: a label is words, not the code again"


def test_a_code_used_before_its_year_says_when_it_is_used():
    problem = code_set("reason_for_closure").check("RC9", 2022, "ReasonForClosure", within="cin_census")
    assert problem == "not one of the 2022 CIN census's ReasonForClosure codes (it is used from 2023)"
    problem = code_set("cin_assessment_factors").check("18A", 2021, "AssessmentFactors", within="cin_census")
    assert problem is not None and "(it is used until 2020)" in problem


@pytest.mark.parametrize(
    ("set_id", "choice"),
    [
        ("referral_source", REFERRAL_SOURCE),
        ("primary_need", PRIMARY_NEED),
        ("cin_assessment_factors", ASSESSMENT_FACTORS),
        ("category_of_abuse", CP_CATEGORY),
        ("ethnicity", ETHNICITY),
        ("ssda903_reason_place_change", looked_after.CHANGE_REASONS),
        ("ssda903_review_participation", looked_after.PARTICIPATION),
        ("ssda903_sw_reason", looked_after.SW_REASONS),
        ("ssda903_activity", looked_after.ACTIVITY),
        ("ssda903_accommodation", looked_after.ACCOMMODATION_SUITABLE),
        ("sen_need", services.SEN_NEEDS),
        ("exclusion_reason", services.SUSPENSION_REASONS),
    ],
)
def test_the_generator_draws_only_registry_codes(set_id, choice):
    assert set(choice.items) <= valid_codes(set_id), set(choice.items) - valid_codes(set_id)


def test_the_generators_disabilities_are_registry_codes():
    drawn = {code for item in DISABILITIES.items for code in (item if isinstance(item, tuple) else (item,)) if code}
    assert drawn <= valid_codes("disability"), drawn - valid_codes("disability")


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, "utf-8")
    return folder


def test_a_bad_registry_entry_fails_at_load_naming_the_file_and_field(tmp_path):
    folder = _write(
        tmp_path / "sets",
        "broken.yml",
        """
colour:
  title: Colour
  codes:
    - {code: R, label: Red, form: 2023}
    - {code: G, label: Green, from: 2024, until: 2020}
    - {code: B, label: Blue}
    - {code: B, label: Navy}
number:
  title: Numbers as YAML reads them
  codes:
    - {code: 1, label: One}
""",
    )
    _write(folder, "again.yml", "colour:\n  title: Colour again\n  codes:\n    - {code: X, label: Ex}\n")
    with pytest.raises(CodeRegistryError) as raised:
        load_registry(folder)
    message = str(raised.value)
    assert "5 problem(s)" in message
    assert "broken.yml: colour.codes.0.form: Extra inputs are not permitted" in message
    assert "broken.yml: colour.codes.1: the years run backwards: from 2024 until 2020" in message
    assert "broken.yml: colour.codes.3.code: duplicate code 'B'" in message
    assert "broken.yml: number.codes.0.code: Input should be a valid string" in message
    assert "broken.yml: colour: code set id already used in again.yml" in message


def test_the_shipped_registry_loads():
    assert {"sex", "ethnicity", "upn_unknown", "cin_sex", "cin_assessment_factors"} <= set(registry())


def test_annex_a_drop_downs_come_from_the_registry():
    from childhub.annex_a import template, versions
    from childhub.annex_a.export import _cell_converter

    for version in versions():
        annex = template(version)
        for annex_list in annex.lists:
            for column in annex_list.columns:
                if column.type != "code":
                    continue
                assert annex.code_set(column.code_set) is code_set(column.code_set), column.id
                write = _cell_converter(column, annex)
                for code in code_set(column.code_set).codes:
                    drop_down = code.template_value or code.code
                    assert write(code.code) == drop_down and write(code.label) == drop_down, (column.id, code)
