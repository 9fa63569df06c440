"""Classification speed on the CPU: `ThemeClassifier.predict` against a plain transformers pipeline.

Both read the same articles with the same model directory, in one run: a trained tematik model
(default `model/e5-tema`) and a base-size BERT with IndoBERT's configuration and random
weights (so the figures hold for IndoBERT's size). The pipeline truncates every article to one
window, tematik reads every article whole. Also prints tokens/s as a share of the ceiling set
by this machine's measured fp32 matrix-multiply rate and the model's FLOPs per token.

tematik scores two ways: fp32 with PyTorch (`--fp32`), and int8 with ONNX Runtime (the default
on a CPU: the directory's `model.int8.onnx`). Each way runs `--rounds` times, taking turns, so a
machine that slows down mid-run slows every way alike; the figures are medians over the rounds,
and a way's speed-up over the pipeline is the median of its per-round ratios.

Run: python bench/classify_speed.py [--model DIR] [--articles 500] [--rounds 3] [--skip-indobert]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from flops import INDOBERT_SHAPE, forward_flops_per_token, indobert_shaped_model, matmul_rate
from transformers import AutoTokenizer, pipeline

from tematik.annotations import load_annotations
from tematik.data import clean_text, make_windows
from tematik.inputs import read_articles
from tematik.modeling import ModelSettings, ThemeClassifier
from tematik.recipe import Recipe
from tematik.schema import load_schema

PIPELINE_BATCH_SIZES = (1, 4, 16, 64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="model/e5-tema")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-indobert", action="store_true")
    args = parser.parse_args()
    texts = corpus_articles(args.articles)
    torch.manual_seed(0)
    rate = matmul_rate(torch.float32)
    print(
        f"{len(texts)} articles; fp32 matmul {rate / 1e9:.0f} GFLOP/s, "
        f"{torch.get_num_threads()} threads"
    )
    with tempfile.TemporaryDirectory() as work:
        models = {"trained": Path(args.model)}
        if not args.skip_indobert:
            models["indobert-shape"] = _indobert_shaped(Path(work) / "indobert-shape")
        for name, directory in models.items():
            compare(name, directory, texts, rate, args.rounds)


def corpus_articles(count: int) -> list[str]:
    """Seeds and annotated articles, repeated until there are `count`."""
    texts = [article.text for article in read_articles(["seeds"])]
    texts += [r.text for r in load_annotations(Recipe().data, load_schema())]
    return (texts * (count // len(texts) + 1))[:count]


def compare(name: str, directory: Path, texts: list[str], rate: float, rounds: int) -> None:
    classifier = ThemeClassifier.from_pretrained(directory, device="cpu", runtime="torch")
    windows, _ = make_windows(
        classifier.tokenizer, [clean_text(t) for t in texts], classifier.settings.windows
    )
    tokens = sum(map(len, windows))
    ceiling = rate / forward_flops_per_token(classifier.model, tokens / len(windows))
    print(
        f"\n{name} ({directory}): {tokens} tokens in {len(windows)} windows; "
        f"ceiling {ceiling:.0f} tokens/s; median of {rounds} rounds"
    )
    classify, batch_size = _fastest_pipeline(directory, texts)
    truncated = sum(
        min(len(ids), classifier.tokenizer.model_max_length)
        for ids in classifier.tokenizer(texts)["input_ids"]
    )
    int8 = ThemeClassifier.from_pretrained(directory, device="cpu")
    ways = {
        f"pipeline (batch {batch_size:2}, truncated)": lambda: classify(
            texts, batch_size=batch_size
        ),
        f"tematik  fp32, PyTorch      (batch {classifier.batch_size}, whole)": lambda: (
            classifier.predict(texts)
        ),
        f"tematik  int8, ONNX Runtime (batch {int8.batch_size}, whole)": lambda: int8.predict(
            texts
        ),
    }
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(rounds):
        for way, work in ways.items():
            seconds[way].append(_timed(work))
    naive = seconds[next(iter(ways))]
    for way, times in seconds.items():
        median = statistics.median(times)
        read = truncated if way.startswith("pipeline") else tokens
        line = f"  {way}: {len(texts) / median:7.1f} articles/s {read / median:8.0f} tokens/s"
        if not way.startswith("pipeline"):
            speedup = statistics.median(n / t for n, t in zip(naive, times, strict=True))
            line += (
                f"  {speedup:.2f}x the pipeline's articles/s, "
                f"{tokens / median / ceiling:.0%} of the fp32 ceiling"
            )
        print(line + f"  (rounds: {', '.join(f'{len(texts) / t:.1f}' for t in times)})")


def _fastest_pipeline(directory: Path, texts: list[str]) -> tuple[Any, int]:
    """The pipeline and its fastest batch size (tried on a sample)."""
    classify = pipeline(
        "text-classification", model=str(directory), top_k=None, truncation=True, device="cpu"
    )
    sample = texts[:64]
    trials = {
        size: _timed(lambda s=size: classify(sample, batch_size=s)) for size in PIPELINE_BATCH_SIZES
    }
    return classify, min(trials, key=trials.get)


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _indobert_shaped(directory: Path) -> Path:
    """A tematik model directory with IndoBERT base's tokenizer and size, randomly initialised."""
    schema = load_schema()
    settings = ModelSettings(
        labels=schema.ids,
        thresholds=dict.fromkeys(schema.ids, 0.5),
        windows=Recipe().windows,
        schema=schema.to_dict(),
    )
    tokenizer = AutoTokenizer.from_pretrained(INDOBERT_SHAPE)
    ThemeClassifier(indobert_shaped_model(schema.ids), tokenizer, settings).save_pretrained(
        directory
    )
    return directory


if __name__ == "__main__":
    main()
