"""The label schema: the themes in `labels/themes.yaml`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tematik.errors import TematikError
from tematik.files import parse_yaml, read_utf8

DEFAULT_SCHEMA_PATH = Path("labels/themes.yaml")
_THEME_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Theme:
    """One theme: a stable snake_case id, its Indonesian name and the annotation guidance."""

    id: str
    name: str
    description: str
    applies_when: tuple[str, ...] = ()
    not_when: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    """The ordered list of themes; the order fixes the model's label ids."""

    themes: tuple[Theme, ...]

    @property
    def ids(self) -> list[str]:
        return [theme.id for theme in self.themes]

    def to_dict(self) -> dict:
        return {"themes": [_theme_dict(theme) for theme in self.themes]}

    @classmethod
    def from_dict(cls, data: object, path: str = "<schema>") -> Schema:
        if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
            raise TematikError(f"{path}: expected a mapping with a 'themes' list")
        themes = tuple(_parse_theme(entry, path, n) for n, entry in enumerate(data["themes"], 1))
        if not themes:
            raise TematikError(f"{path}: the schema lists no themes; add at least one")
        ids = [theme.id for theme in themes]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise TematikError(
                f"{path}: theme ids must be unique, repeated: {', '.join(duplicated)}"
            )
        return cls(themes=themes)


def load_schema(path: str | Path = DEFAULT_SCHEMA_PATH) -> Schema:
    """Read and check a schema file."""
    path = Path(path)
    text = read_utf8(path, if_missing="run from the project root or pass --schema")
    return Schema.from_dict(parse_yaml(text, f"{path}: not a readable YAML file"), str(path))


def _parse_theme(entry: object, path: str, number: int) -> Theme:
    where = f"{path}: theme {number}"
    if not isinstance(entry, dict):
        raise TematikError(f"{where}: expected a mapping with id, name and description")
    missing = [key for key in ("id", "name", "description") if not entry.get(key)]
    if missing:
        raise TematikError(f"{where}: missing {', '.join(missing)}")
    if not _THEME_ID.match(str(entry["id"])):
        raise TematikError(f"{where}: id {entry['id']!r} must be snake_case")
    return Theme(
        id=str(entry["id"]),
        name=str(entry["name"]),
        description=str(entry["description"]).strip(),
        applies_when=tuple(str(item) for item in entry.get("applies_when") or ()),
        not_when=tuple(str(item) for item in entry.get("not_when") or ()),
    )


def _theme_dict(theme: Theme) -> dict:
    return {
        "id": theme.id,
        "name": theme.name,
        "description": theme.description,
        "applies_when": list(theme.applies_when),
        "not_when": list(theme.not_when),
    }
