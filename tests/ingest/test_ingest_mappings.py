"""childhub's own mappings fit the canonical model, and bad mapping files are refused whole."""

from __future__ import annotations

import pytest
import yaml

from childhub.errors import MappingError
from childhub.ingest.mapping import builtin_mappings, load_mapping, load_mappings, mapping_from_data
from childhub.ingest.run import _known_tables
from childhub.store import Store
from childhub.synth import mapping_files


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("schema"))
    with store.writer() as conn:
        return _known_tables(conn)


def test_every_builtin_mapping_fits_the_schema(schema):
    mappings = builtin_mappings()
    assert len({m.kind for m in mappings}) == len(mappings)
    for mapping in mappings:
        mapping_from_data(mapping.model_dump(by_alias=True, exclude_defaults=False), mapping.kind, known_tables=schema)


def test_the_synthetic_authoritys_mappings_fit_the_schema_and_ship_with_synth(schema):
    synthetic = load_mappings(mapping_files(), known_tables=schema)
    assert len(synthetic) == 17 and len({m.kind for m in synthetic}) == 17
    assert not {m.kind for m in synthetic} & {m.kind for m in builtin_mappings()}


def test_a_folder_of_mappings_is_every_yml_file_in_it_in_name_order(tmp_path, schema):
    teams, workers = (p for p in mapping_files() if p.stem in ("synthetic_teams", "synthetic_workers"))
    (tmp_path / "b.yml").write_bytes(teams.read_bytes())
    (tmp_path / "a.yml").write_bytes(workers.read_bytes())
    (tmp_path / "README.md").write_text("not a mapping")
    loaded = load_mappings([tmp_path], known_tables=schema)
    assert [m.kind for m in loaded] == [load_mapping(workers).kind, load_mapping(teams).kind]
    assert load_mappings([teams.parent]) == load_mappings(mapping_files())


def test_a_bad_mapping_lists_every_problem(tmp_path, schema):
    path = tmp_path / "bad.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "kind": "Bad Kind",
                "description": "x",
                "source_system": "education",
                "detect": {"columns": ["A"]},
                "key": ["A"],
                "tables": {
                    "no_such_table": {"columns": {"x": {"from": "A"}}},
                    "person": {"columns": {"pers_surname": {"from": "B", "type": "code"}}},
                },
            }
        )
    )
    with pytest.raises(MappingError) as caught:
        load_mapping(path, known_tables=schema)
    message = str(caught.value)
    assert message.startswith("bad.yml: ")
    for expected in ("kind", "needs 'codes'"):
        assert expected in message
    assert "\n" not in message


def test_schema_problems_are_all_reported(tmp_path, schema):
    path = tmp_path / "schema.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "kind": "fsm_list",
                "description": "x",
                "source_system": "education",
                "detect": {"columns": ["A", "B"]},
                "key": ["A"],
                "tables": {
                    "no_such_table": {"columns": {"x": {"from": "A"}}},
                    "person": {
                        "columns": {
                            "pers_surname": {"from": "B"},
                            "not_a_column": {"from": "A"},
                            "pers_sex": {"from": "B", "type": "code", "codes": "nope"},
                        }
                    },
                },
            }
        )
    )
    with pytest.raises(MappingError) as caught:
        load_mapping(path, known_tables=schema)
    message = str(caught.value)
    for expected in (
        "no such canonical table",
        "has no column not_a_column",
        "unknown code set 'nope'",
        "pers_person_id may not be empty",
    ):
        assert expected in message, expected


def test_unreadable_yaml(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("kind: [unclosed")
    with pytest.raises(MappingError, match="broken.yml: not valid YAML"):
        load_mapping(path)
