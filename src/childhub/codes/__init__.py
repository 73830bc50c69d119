"""The one registry of code sets: labels, and the collection years and returns each code is valid in.

Ingest checks values against it, Annex A reads its drop-downs from it, the web decodes codes with
it and the synthetic generator draws its codes from it, so none of them can disagree.
"""

from childhub.codes.fields import (
    CodedField,
    FieldMap,
    breakdown_field,
    field_map,
    heading,
    is_coded,
    load_fields,
    with_labels,
    words_for,
)
from childhub.codes.registry import (
    Code,
    CodeRegistryError,
    CodeSet,
    code_set,
    compact_key,
    label,
    load_registry,
    registry,
    valid_codes,
)

__all__ = [
    "CodedField",
    "FieldMap",
    "breakdown_field",
    "field_map",
    "heading",
    "is_coded",
    "load_fields",
    "with_labels",
    "words_for",
    "Code",
    "CodeRegistryError",
    "CodeSet",
    "code_set",
    "compact_key",
    "label",
    "load_registry",
    "registry",
    "valid_codes",
]
