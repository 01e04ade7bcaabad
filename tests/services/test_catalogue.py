"""The catalogue: definitions validate against agency contracts and certificate templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.catalogue.errors import DefinitionError
from services.catalogue.service import get_catalogue, load_definition, search_services

DOPA_DEFINITION = (
    Path(__file__).resolve().parents[2] / "services/dopa/definitions/residence-certificate.yaml"
)


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = DOPA_DEFINITION.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("fields: [title_th,", "fields: [religion, title_th,", "not in dopa.population contract"),
        ("dataset: dopa.population", "dataset: dopa.secrets", "unknown dataset"),
        ("template: residence", "template: no_such_template", "certificate.template"),
        ("agency: dopa", "agency: nobody", "code must start with the agency code"),
        ("category: civil-registration", "category: astrology", "unknown category"),
        ("min_ial: 1.2", "min_ial: 9", "min_ial"),
    ],
)
def test_a_broken_definition_names_its_file_and_field(tmp_path, old, new, message):
    path = write_variant(tmp_path, old, new)
    with pytest.raises(DefinitionError) as error:
        load_definition(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_an_error_names_the_line_of_the_field(tmp_path):
    path = write_variant(tmp_path, "min_ial: 1.2", "min_ial: 9")
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("min_ial")
    )
    with pytest.raises(DefinitionError) as error:
        load_definition(path)
    assert f"{path}:{line}: min_ial:" in str(error.value)


def test_an_unknown_evidence_field_names_the_line_of_the_fields(tmp_path):
    path = write_variant(tmp_path, "fields: [title_th,", "fields: [religion, title_th,")
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "religion" in t)
    with pytest.raises(DefinitionError) as error:
        load_definition(path)
    assert f"{path}:{line}: evidence.0.fields:" in str(error.value)


def test_broken_yaml_names_the_line(tmp_path):
    path = write_variant(tmp_path, "fee_baht: 0", "fee_baht: [0")
    with pytest.raises(DefinitionError) as error:
        load_definition(path)
    assert f"{path}:" in str(error.value) and "not valid YAML" in str(error.value)


@pytest.mark.parametrize("query", ["อยู่อาศัย", "หนังสือรับรอง", "RESIDENCE", "residence"])
def test_search_finds_thai_inside_longer_words_and_english_in_any_case(query):
    assert "dopa.residence-certificate" in [s.code for s in search_services(get_catalogue(), query)]


def test_search_with_no_match_is_empty():
    assert search_services(get_catalogue(), "ใบอนุญาตครอบครองอาวุธปืน") == []
