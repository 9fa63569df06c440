"""What every reader of a tool's export returns (the annotations, the items left out, the
problems), and which theme a tool's label names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from tematik.agreement import Judgement
from tematik.annotations import Record
from tematik.files import RowProblem, parse_row, text_entry
from tematik.schema import Schema


@dataclass
class Imported:
    """Annotations read from a tool's export, the items left out, and what could not be mapped."""

    schema: Schema
    records: list[Record] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """Skipped, rejected or tied items: not imported, and nothing wrong with the file."""
    problems: list[str] = field(default_factory=list)
    """Unknown choices, missing text, unread controls: while there are any, nothing is written."""
    notices: list[str] = field(default_factory=list)
    """What the reader chose or dropped, for the user to know: the control read, dropped fields."""
    dropped: Counter[str] = field(default_factory=Counter)
    """Fields of the tool's items that no annotation column keeps, by how many items had them."""
    judgements: list[Judgement] = field(default_factory=list)
    """Each annotator's own themes for each article, before they are resolved into one label
    set: what `tematik agreement` measures."""
    _seen: dict[str, str] = field(default_factory=dict, repr=False)
    _names: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Theme id by the names a tool may use for it: the id or the Indonesian name, any case.
        self._names = {
            name.casefold(): theme.id
            for theme in self.schema.themes
            for name in (theme.id, theme.name)
        }

    def theme_of(self, name: object) -> str | None:
        """The theme id a tool's label or choice names, or None."""
        return self._names.get(str(name).strip().casefold())

    def known(self) -> str:
        """The themes a label may name, for a message about one that names none."""
        return "known: " + ", ".join(f"{t.id} ({t.name})" for t in self.schema.themes)

    def add(
        self,
        article_id: object,
        text: str,
        themes: Iterable[str],
        where: str,
        source: str,
        note: object = None,
    ) -> None:
        """Keep an article with its themes, or report its id as already used. `source` names the
        tool's item (or the page it came from); `note` is kept when it is text."""
        chosen = set(themes)
        labels = tuple(theme for theme in self.schema.ids if theme in chosen)
        extra = {"source": source, "note": note if isinstance(note, str) else ""}
        record = Record(id=str(article_id), text=text, labels=labels, extra=extra)
        if record.id in self._seen:
            self.problems.append(
                f"{where}: article id {record.id!r} already used by {self._seen[record.id]}"
            )
        else:
            self._seen[record.id] = where
            self.records.append(record)

    def judge(
        self, article_id: object, annotator: object, themes: Iterable[str], text: str
    ) -> None:
        """Keep one annotator's themes for an article."""
        self.judgements.append(Judgement(str(article_id), str(annotator), frozenset(themes), text))

    def item(self, line: str, where: str) -> dict | None:
        """One JSON Lines item with a non-empty `text`; None, with the problem kept, otherwise."""
        try:
            return text_entry(parse_row(line))
        except RowProblem as problem:
            self.problems.append(f"{where}: {problem}")
            return None

    def drop(self, fields: Iterable[str]) -> None:
        """Count an item's fields that no annotation column keeps."""
        self.dropped.update(fields)
