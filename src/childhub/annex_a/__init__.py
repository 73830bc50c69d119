"""Ofsted ILACS Annex A (Lists 1 to 11), kept as versioned data.

``template()`` gives the latest template, ``template("2020")`` an earlier one, ``versions()``
the versions modelled and ``version_for(day)`` the version that applies on a day. Each template
lists its 11 lists, their sheet names and their columns in order, with Ofsted's exact header,
a type and, for coded columns, a code set (code -> label).
"""

from childhub.annex_a.templates import (
    AnnexAColumn,
    AnnexAList,
    AnnexATemplate,
    AnnexATemplateError,
    load_templates,
    template,
    version_for,
    versions,
)
from childhub.codes import Code, CodeSet  # the code registry's, re-exported for Annex A's readers

__all__ = [
    "AnnexAColumn",
    "AnnexAList",
    "AnnexATemplate",
    "AnnexATemplateError",
    "Code",
    "CodeSet",
    "load_templates",
    "template",
    "version_for",
    "versions",
]
