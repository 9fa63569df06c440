"""How far annotators agree on each theme, before anyone trains on their labels.

A judgement is one annotator's themes for one article (every theme decided: carried or not).
Per theme: raw agreement over the articles labelled by two or more annotators, Cohen's kappa
when there are two annotators, and Krippendorff's alpha (nominal), which takes any number of
annotators and articles some of them skipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tematik.annotations import labels_problem
from tematik.errors import TematikError
from tematik.files import RowProblem, parse_row, read_utf8
from tematik.schema import Schema

DISAGREEMENTS_LISTED = 20


@dataclass(frozen=True)
class Judgement:
    """One annotator's themes for one article."""

    article: str
    annotator: str
    themes: frozenset[str]
    text: str = ""


@dataclass(frozen=True)
class ThemeAgreement:
    theme: str
    articles: int
    """Articles labelled by two or more annotators: what the figures rest on."""
    raw: float
    """Share of those articles on which every annotator decided the theme the same way."""
    cohen_kappa: float | None
    """Two annotators only; None with more, or where it is undefined (one value throughout)."""
    krippendorff_alpha: float | None


@dataclass(frozen=True)
class Disagreement:
    article: str
    split: dict[str, dict[str, list[str]]]
    """Per disputed theme: the annotators who marked it ("yes") and those who did not ("no")."""


@dataclass(frozen=True)
class Agreement:
    annotators: dict[str, int]
    """Articles each annotator labelled."""
    themes: list[ThemeAgreement]
    disagreements: list[Disagreement]
    """Articles labelled more than once, most disputed first (themes split, then how evenly)."""

    def to_dict(self, disputed: int | None = None) -> dict:
        """As `tematik agreement --json` prints it, with the `disputed` first disagreements."""
        return asdict(self) | {"disagreements": [asdict(d) for d in self.disagreements[:disputed]]}


def measure(judgements: Iterable[Judgement], themes: Sequence[str]) -> Agreement:
    """Agreement per theme, and the articles the annotators disagree on most."""
    table = by_article(judgements)
    annotators = sorted({a for judged in table.values() for a in judged})
    shared = {article: judged for article, judged in table.items() if len(judged) > 1}
    if len(annotators) < 2 or not shared:
        raise TematikError(
            "no article was labelled by two annotators: agreement needs the same articles "
            "labelled more than once (same article id in each file, or several annotations of "
            "one task)"
        )
    return Agreement(
        annotators={a: sum(a in judged for judged in table.values()) for a in annotators},
        themes=[_theme_agreement(theme, shared, annotators) for theme in themes],
        disagreements=_most_disputed(shared, themes),
    )


def by_article(judgements: Iterable[Judgement]) -> dict[str, dict[str, frozenset[str]]]:
    """Article → annotator → themes; an annotator's later judgement of an article wins."""
    table: dict[str, dict[str, frozenset[str]]] = {}
    for judgement in judgements:
        table.setdefault(judgement.article, {})[judgement.annotator] = judgement.themes
    return table


def _theme_agreement(
    theme: str, shared: dict[str, dict[str, frozenset[str]]], annotators: list[str]
) -> ThemeAgreement:
    marks = np.full((len(annotators), len(shared)), np.nan)
    for column, judged in enumerate(shared.values()):
        for annotator, themes in judged.items():
            marks[annotators.index(annotator), column] = theme in themes
    unanimous = [len(set(column[~np.isnan(column)])) == 1 for column in marks.T]
    return ThemeAgreement(
        theme=theme,
        articles=len(shared),
        raw=float(np.mean(unanimous)),
        cohen_kappa=_cohen_kappa(marks) if len(annotators) == 2 else None,
        krippendorff_alpha=_krippendorff_alpha(marks),
    )


def _cohen_kappa(marks: np.ndarray) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    both = ~np.isnan(marks).any(axis=0)
    first, second = marks[0, both].astype(bool), marks[1, both].astype(bool)
    if len(set(first) | set(second)) < 2:
        return None
    kappa = cohen_kappa_score(first, second, labels=[False, True])
    return None if math.isnan(kappa) else float(kappa)


def _krippendorff_alpha(marks: np.ndarray) -> float | None:
    import krippendorff

    if len(set(marks[~np.isnan(marks)])) < 2:
        return None  # one value throughout: alpha is undefined
    return float(krippendorff.alpha(reliability_data=marks, level_of_measurement="nominal"))


def _most_disputed(
    shared: dict[str, dict[str, frozenset[str]]], themes: Sequence[str]
) -> list[Disagreement]:
    found = []
    for article, judged in shared.items():
        split = {
            theme: {
                "yes": sorted(a for a, t in judged.items() if theme in t),
                "no": sorted(a for a, t in judged.items() if theme not in t),
            }
            for theme in themes
            if 0 < sum(theme in t for t in judged.values()) < len(judged)
        }
        if split:
            evenness = sum(min(len(s["yes"]), len(s["no"])) / len(judged) for s in split.values())
            found.append((len(split), evenness, Disagreement(article, split)))
    found.sort(key=lambda item: (-item[0], -item[1], item[2].article))
    return [disagreement for _, _, disagreement in found]


def read_judgements(paths: Sequence[str | Path], schema: Schema) -> list[Judgement]:
    """Judgements from tematik files, one annotator per file (named by its path): JSON Lines
    rows with an `id` and `labels`, and optionally the `text` (annotation files, or a second
    reading that lists only ids and labels). Every problem is reported at once, with its line."""
    judgements: list[Judgement] = []
    problems: list[str] = []
    for path in map(Path, paths):
        text = read_utf8(path)
        for number, line in enumerate(text.split("\n"), 1):
            if line.strip():
                try:
                    judgements.append(_judgement(line, str(path), schema))
                except RowProblem as problem:
                    problems.append(f"{path}:{number}: {problem}")
    if problems:
        raise TematikError("\n".join(problems))
    return judgements


def _judgement(line: str, annotator: str, schema: Schema) -> Judgement:
    row = parse_row(line)
    if not isinstance(row, dict):
        raise RowProblem('expected a JSON object with "id" and "labels"')
    if not isinstance(row.get("id"), str) or not row["id"]:
        raise RowProblem("needs an \"id\": the article's id, the same in every annotator's file")
    if problem := labels_problem(row.get("labels"), schema):
        raise RowProblem(problem)
    text = row.get("text") if isinstance(row.get("text"), str) else ""
    return Judgement(row["id"], annotator, frozenset(row["labels"]), text)
