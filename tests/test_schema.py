import pytest

from tematik.errors import TematikError
from tematik.schema import load_schema


def test_project_schema_encodes_the_four_themes_of_the_guide():
    schema = load_schema("labels/themes.yaml")
    assert schema.ids == ["missile_threat", "intel_sharing", "diplomacy", "economic_security"]
    names = {theme.id: theme.name for theme in schema.themes}
    assert names["intel_sharing"] == "Berbagi intelijen"
    assert all(theme.applies_when and theme.not_when for theme in schema.themes)


def test_schema_with_a_repeated_id_is_refused(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text(
        "themes:\n"
        "  - {id: diplomacy, name: Diplomasi, description: x}\n"
        "  - {id: diplomacy, name: Lagi, description: y}\n"
    )
    with pytest.raises(TematikError, match="repeated: diplomacy"):
        load_schema(path)
