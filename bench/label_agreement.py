"""Agreement between the annotations and an independent second reading, per theme.

The second reading (labels/review/second_reading.jsonl: id, labels, note) was made from the
label guide alone, without seeing the first labels. Prints per-theme raw agreement and Cohen's
kappa, and lists every article where the two readings differ.

Run: python bench/label_agreement.py [--first labels/authored.jsonl]
         [--second labels/review/second_reading.jsonl]
"""

import argparse
import json

from tematik.schema import load_schema


def read(path: str) -> dict[str, set[str]]:
    with open(path, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return {row["id"]: set(row["labels"]) for row in rows}


def kappa(first: list[bool], second: list[bool]) -> float:
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p1, p2 = sum(first) / n, sum(second) / n
    expected = p1 * p2 + (1 - p1) * (1 - p2)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", default="labels/authored.jsonl")
    parser.add_argument("--second", default="labels/review/second_reading.jsonl")
    args = parser.parse_args()
    first, second = read(args.first), read(args.second)
    ids = sorted(set(first) & set(second))
    print(f"{len(ids)} articles read twice ({len(set(first) - set(second))} read once)")
    for theme in load_schema().ids:
        a = [theme in first[i] for i in ids]
        b = [theme in second[i] for i in ids]
        agreement = sum(x == y for x, y in zip(a, b, strict=True)) / len(ids)
        print(
            f"  {theme:18} agreement {agreement:.3f}  kappa {kappa(a, b):.3f}  "
            f"(first {sum(a)}, second {sum(b)})"
        )
    differing = [i for i in ids if first[i] != second[i]]
    print(f"identical label sets: {len(ids) - len(differing)} of {len(ids)}")
    for i in differing:
        print(f"  {i}: first {sorted(first[i])}, second {sorted(second[i])}")


if __name__ == "__main__":
    main()
