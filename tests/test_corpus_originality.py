"""The project's authored articles are written, not copied: no run of 8 words shared with the
dev corpus or with text the project did not write (the seeds)."""

import json
import re

import pytest
from conftest import ROOT, SEEDS

RUN = 8
DEV_CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"


def _rows(path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


AUTHORED = [
    row
    for path in sorted((ROOT / "labels").glob("*.jsonl"))
    for row in _rows(path)
    if row.get("source") == "authored"
]
needs_authored = pytest.mark.skipif(not AUTHORED, reason="no authored article yet")


def _runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


def _copied_from(foreign_texts: list[str]) -> list[str]:
    foreign = set().union(*map(_runs, foreign_texts))
    return [row["id"] for row in AUTHORED if _runs(row["text"]) & foreign]


@needs_authored
def test_authored_articles_share_no_8_word_run_with_the_seeds():
    assert not _copied_from([seed.read_text(encoding="utf-8") for seed in SEEDS])


@needs_authored
def test_authored_articles_share_no_8_word_run_with_the_dev_corpus():
    if not DEV_CORPUS.exists():
        pytest.skip(f"{DEV_CORPUS} is not beside the project; cannot check against it")
    assert not _copied_from([row["text"] for row in _rows(DEV_CORPUS)])
