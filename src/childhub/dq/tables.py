"""The return tables the data-quality rules read: each DfE return's tables as the return holds them.

Every column is text exactly as the return has it (dates ``dd/mm/yyyy`` in the SSDA903,
``yyyy-mm-dd`` in the CIN census; a blank is NULL), so one rule reads a file before it is loaded
and the returns childhub writes from the store alike. Every table also has ``_rid``, the row's
identity in the run, which a rule returns to point at a failing record. Last year's tables are
the same with ``_last`` after the name.

``PEER_NAMES`` gives the name the peer validators use for each table (for the parity script).
"""

from __future__ import annotations

SSDA903: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "oc2": (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "placed_for_adoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "previous_permanence": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}

CIN: dict[str, tuple[str, ...]] = {
    "cin_header": (
        "Collection",
        "Year",
        "ReferenceDate",
        "SourceLevel",
        "LEA",
        "SoftwareCode",
        "Release",
        "SerialNo",
        "DateTime",
    ),
    "child_identifiers": (
        "LAchildID",
        "UPN",
        "FormerUPN",
        "UPNunknown",
        "PersonBirthDate",
        "ExpectedPersonBirthDate",
        "GenderCurrent",
        "Sex",
        "PersonDeathDate",
    ),
    "child_characteristics": ("LAchildID", "Ethnicity"),
    "disabilities": ("LAchildID", "Disability"),
    "cin_details": (
        "LAchildID",
        "CINdetailsID",
        "CINreferralDate",
        "ReferralSource",
        "PrimaryNeedCode",
        "CINclosureDate",
        "ReasonForClosure",
        "DateOfInitialCPC",
        "ReferralNFA",
    ),
    "assessments": (
        "LAchildID",
        "CINdetailsID",
        "AssessmentID",
        "AssessmentActualStartDate",
        "AssessmentInternalReviewDate",
        "AssessmentAuthorisationDate",
        "AssessmentFactors",
    ),
    "assessment_factors": ("LAchildID", "CINdetailsID", "AssessmentID", "AssessmentFactor"),
    "cin_plan_dates": ("LAchildID", "CINdetailsID", "CINPlanStartDate", "CINPlanEndDate"),
    "section47": (
        "LAchildID",
        "CINdetailsID",
        "S47ActualStartDate",
        "InitialCPCtarget",
        "DateOfInitialCPC",
        "ICPCnotRequired",
    ),
    "cp_plans": (
        "LAchildID",
        "CINdetailsID",
        "CPPID",
        "CPPstartDate",
        "CPPendDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
    ),
    "cp_reviews": ("LAchildID", "CINdetailsID", "CPPID", "CPPreviewDate"),
}

TABLES: dict[str, dict[str, tuple[str, ...]]] = {"ssda903": SSDA903, "cin": CIN}

# The table the peer validators call each of ours (last year's: "<name>_last").
PEER_NAMES = {
    "header": "Header",
    "episodes": "Episodes",
    "reviews": "Reviews",
    "uasc": "UASC",
    "oc2": "OC2",
    "oc3": "OC3",
    "ad1": "AD1",
    "placed_for_adoption": "PlacedAdoption",
    "previous_permanence": "PrevPerm",
    "missing": "Missing",
    "sw_episodes": "SWEpisodes",
    "dolo": "DoLo",
    "cin_header": "Header",
    "child_identifiers": "ChildIdentifiers",
    "child_characteristics": "ChildCharacteristics",
    "disabilities": "Disabilities",
    "cin_details": "CINdetails",
    "assessments": "Assessments",
    "assessment_factors": "AssessmentFactorsList",
    "cin_plan_dates": "CINplanDates",
    "section47": "Section47",
    "cp_plans": "ChildProtectionPlans",
    "cp_reviews": "Reviews",
}

# The column holding the child's ID in each return.
CHILD_COLUMN = {"ssda903": "CHILD", "cin": "LAchildID"}

# The columns that tell apart two rows of one child in a table (two episodes, two reviews), named in a finding's
# values so that each failing row is its own finding from run to run.
NATURAL_KEY: dict[str, tuple[str, ...]] = {
    "episodes": ("DECOM",),
    "reviews": ("REVIEW",),
    "placed_for_adoption": ("DATE_PLACED",),
    "missing": ("MIS_START",),
    "sw_episodes": ("SW_DECOM",),
    "dolo": ("DOLO_START",),
    "previous_permanence": ("DATE_PERM",),
    "disabilities": ("Disability",),
    "cin_details": ("CINreferralDate",),
    "assessments": ("AssessmentActualStartDate",),
    "assessment_factors": ("AssessmentFactor",),
    "cin_plan_dates": ("CINPlanStartDate",),
    "section47": ("S47ActualStartDate",),
    "cp_plans": ("CPPstartDate",),
    "cp_reviews": ("CPPreviewDate",),
}
