"""Prodigy: the answers of a text-classification dataset (`prodigy db-out`) read as tematik
annotations, from `textcat.manual` (options ticked) and binary `textcat.teach` (one label)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tematik.exchange.formats import ExportFile
from tematik.exchange.imported import Imported
from tematik.schema import Schema

ANSWERS = ("accept", "reject", "ignore")
ASK_EVERY_THEME = "annotate every theme of it, e.g. with textcat.manual and every theme as --label"


@dataclass
class _Article:
    """Every answer given about one text (one `_input_hash`): theme → the decisions made."""

    where: str
    text: str
    decisions: dict[str, set[bool]] = field(default_factory=dict)
    ignored: int = 0

    def decide(self, theme: str, carried: bool) -> None:
        self.decisions.setdefault(theme, set()).add(carried)


def read_prodigy(export: ExportFile, schema: Schema) -> Imported:
    """The texts of a Prodigy dataset with every theme decided, merged by `_input_hash`.

    `accept` on a choice task: the ticked options are the text's themes, the others not;
    `reject`: the ticked options are not. `accept`/`reject` on a binary task: the label is or is
    not a theme. `ignore` decides nothing. A text whose answers leave a theme undecided, or
    disagree on one, is left out and listed.
    """
    imported = Imported(schema)
    articles: dict[str, _Article] = {}
    for number, line in enumerate(export.text.split("\n"), 1):
        if line.strip():
            _read_answer(f"{export.path}:{number}", number, line, articles, imported)
    for key, article in articles.items():
        _settle(key, article, imported)
    return imported


def _read_answer(
    where: str, number: int, line: str, articles: dict[str, _Article], imported: Imported
) -> None:
    task = imported.item(line, where)
    if task is None:
        return
    if task.get("answer") not in ANSWERS:
        imported.problems.append(f"{where}: answer must be one of {', '.join(ANSWERS)}")
        return
    key = str(task.get("_input_hash", f"line-{number}"))
    article = articles.setdefault(key, _Article(where, task["text"]))
    if task["answer"] == "ignore":
        article.ignored += 1
    elif isinstance(task.get("options"), list):
        _read_choice(where, task, article, imported)
        _judge(f"prodigy-{key}", task, imported)
    elif "label" in task:
        theme = _theme(where, task["label"], imported)
        if theme:
            article.decide(theme, task["answer"] == "accept")
    else:
        imported.problems.append(
            f"{where}: neither options nor a label; tematik reads textcat.manual and "
            "textcat.teach answers"
        )


def _read_choice(where: str, task: dict, article: _Article, imported: Imported) -> None:
    """The decisions of a choice task: ticked options accepted, or ticked options rejected."""
    options = [o.get("id") for o in task["options"] if isinstance(o, dict)]
    ticked = {str(option) for option in task.get("accept") or []}
    for option in options:
        theme = _theme(where, option, imported)
        if theme and task["answer"] == "accept":
            article.decide(theme, str(option) in ticked)
        elif theme and str(option) in ticked:
            article.decide(theme, False)


def _judge(article_id: str, task: dict, imported: Imported) -> None:
    """Keep an accepted choice task that offered every theme as its annotator's judgement (the
    named session's annotator, else the session)."""
    themes = {imported.theme_of(o.get("id")) for o in task["options"] if isinstance(o, dict)}
    if task["answer"] != "accept" or not set(imported.schema.ids) <= themes:
        return
    ticked = {imported.theme_of(option) for option in task.get("accept") or []} - {None}
    annotator = task.get("_annotator_id") or task.get("_session_id") or "prodigy"
    imported.judge(article_id, annotator, ticked, task["text"])


def _theme(where: str, label: object, imported: Imported) -> str | None:
    theme = imported.theme_of(label)
    if theme is None:
        imported.problems.append(f"{where}: unknown label {label!r}; {imported.known()}")
    return theme


def _settle(key: str, article: _Article, imported: Imported) -> None:
    """Keep the text when every theme is decided one way; otherwise say why it is left out."""
    where, decisions = article.where, article.decisions
    disputed = [theme for theme, made in decisions.items() if len(made) > 1]
    undecided = [theme for theme in imported.schema.ids if theme not in decisions]
    if disputed:
        imported.left_out.append(
            f"{where}: answers disagree on {', '.join(disputed)}, not imported; settle them "
            "with prodigy review"
        )
    elif not decisions and article.ignored:
        imported.left_out.append(f"{where}: ignored in Prodigy, not imported")
    elif undecided:
        imported.left_out.append(
            f"{where}: no answer on {', '.join(undecided)}, not imported; {ASK_EVERY_THEME}"
        )
    else:
        themes = [theme for theme, made in decisions.items() if True in made]
        imported.add(f"prodigy-{key}", article.text, themes, where, f"prodigy input {key}")
