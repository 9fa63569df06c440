"""How faithful the evidence is: ERASER's comprehensiveness and sufficiency on annotated articles.

For every theme a model predicts rightly, the cited passage is cut out of the article and the
article scored again (comprehensiveness: how far the theme's score falls, and how often below its
threshold), against cutting a random run of sentences at least as long from the same article.
Sufficiency is the score of the passage alone, against the whole article's.

Run: python bench/evidence_quality.py --model DIR [--data ../shared/corpus/dev.jsonl]
     [--max-sentences 1 3] [--seed 0]
"""

import argparse
import random

import numpy as np

from tematik import ThemeClassifier
from tematik.annotations import load_annotations
from tematik.evidence import sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", nargs="+", default=["../shared/corpus/dev.jsonl"])
    parser.add_argument("--max-sentences", nargs="+", type=int, default=[3])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    classifier = ThemeClassifier.from_pretrained(args.model)
    records = load_annotations(args.data, classifier.schema)
    texts = [r.text for r in records]
    predictions = classifier.predict(texts)
    right = [
        [t for t in prediction.labels if t in record.labels]
        for record, prediction in zip(records, predictions, strict=True)
    ]
    print(f"{args.model}: {sum(map(len, right))} rightly predicted themes in {len(texts)} articles")
    for max_sentences in args.max_sentences:
        evidence = classifier.evidence(texts, right, max_sentences)
        report(classifier, texts, predictions, evidence, max_sentences, random.Random(args.seed))


def report(classifier, texts, predictions, evidence, max_sentences, rng) -> None:
    """Print comprehensiveness (cited against random) and sufficiency for one setting."""
    cases = [(row, theme, e) for row, cited in enumerate(evidence) for theme, e in cited.items()]
    column = {theme: k for k, theme in enumerate(classifier.labels)}
    cut_cited = [texts[row][: e.start] + texts[row][e.end :] for row, _, e in cases]
    cut_random = [_cut_random(texts[row], e.end - e.start, rng) for row, _, e in cases]
    after = classifier.predict_proba(cut_cited + cut_random)
    before = np.array([predictions.scores[row, column[t]] for row, t, _ in cases])
    threshold = np.array([classifier.thresholds[column[t]] for _, t, _ in cases])
    columns = [column[t] for _, t, _ in cases]
    cited_after = after[np.arange(len(cases)), columns]
    random_after = after[len(cases) + np.arange(len(cases)), columns]
    alone = np.array([e.score for _, _, e in cases])
    length = np.median([len(e.text) for _, _, e in cases])
    print(f"at most {max_sentences} sentence(s) a passage, median {length:.0f} characters:")
    for name, scores in (("cited passage", cited_after), ("random passage", random_after)):
        print(
            f"  cut the {name:14}: median drop {np.median(before - scores):.3f}, "
            f"below threshold {np.mean(scores < threshold):.0%}"
        )
    print(
        f"  the passage alone: median score {np.median(alone):.3f} (whole article "
        f"{np.median(before):.3f}), at or above threshold {np.mean(alone >= threshold):.0%}"
    )


def _cut_random(text: str, length: int, rng: random.Random) -> str:
    """The text without a random run of its sentences at least `length` characters long."""
    found = sentences(text)
    first = rng.randrange(len(found))
    last = first
    while found[last].end - found[first].start < length and last + 1 < len(found):
        last += 1
    while found[last].end - found[first].start < length and first > 0:
        first -= 1
    return text[: found[first].start] + text[found[last].end :]


if __name__ == "__main__":
    main()
