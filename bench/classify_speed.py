"""Classification speed on the CPU: `ThemeClassifier.predict` against a plain transformers pipeline.

Both read the same articles with the same model directory, in one run: a trained tematik model
(default `model/e5-tema`) and a base-size BERT with IndoBERT's configuration and random
weights (so the figures hold for IndoBERT's size). The pipeline truncates every article to one
window, tematik reads every article whole. Also prints tokens/s as a share of the ceiling set
by this machine's measured fp32 matrix-multiply rate and the model's FLOPs per token.

tematik scores two ways: fp32 with PyTorch (`--fp32`), and int8 with ONNX Runtime (the default
on a CPU: the directory's `model.int8.onnx`).

Run: python bench/classify_speed.py [--model DIR] [--articles 500] [--skip-indobert]
"""

import argparse
import tempfile
import time
from pathlib import Path

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
            compare(name, directory, texts, rate)


def corpus_articles(count: int) -> list[str]:
    """Seeds and annotated articles, repeated until there are `count`."""
    texts = [article.text for article in read_articles(["seeds"])]
    texts += [r.text for r in load_annotations(Recipe().data, load_schema())]
    return (texts * (count // len(texts) + 1))[:count]


def compare(name: str, directory: Path, texts: list[str], rate: float) -> None:
    classifier = ThemeClassifier.from_pretrained(directory, device="cpu", runtime="torch")
    windows, _ = make_windows(
        classifier.tokenizer, [clean_text(t) for t in texts], classifier.settings.windows
    )
    tokens = sum(map(len, windows))
    ceiling = rate / forward_flops_per_token(classifier.model, tokens / len(windows))
    print(
        f"\n{name} ({directory}): {tokens} tokens in {len(windows)} windows; "
        f"ceiling {ceiling:.0f} tokens/s"
    )

    naive, batch_size = _fastest_pipeline(directory, texts)
    truncated = sum(
        min(len(ids), classifier.tokenizer.model_max_length)
        for ids in classifier.tokenizer(texts)["input_ids"]
    )
    print(
        f"  pipeline (batch {batch_size:2}, truncated): {len(texts) / naive:7.1f} articles/s "
        f"{truncated / naive:8.0f} tokens/s"
    )
    for name, scorer in (
        ("fp32, PyTorch", classifier),
        ("int8, ONNX Runtime", ThemeClassifier.from_pretrained(directory, device="cpu")),
    ):
        seconds = _timed(lambda s=scorer: s.predict(texts))
        print(
            f"  tematik  {name:18} (batch {scorer.batch_size}, whole): "
            f"{len(texts) / seconds:7.1f} articles/s {tokens / seconds:8.0f} tokens/s  "
            f"{naive / seconds:.2f}x the pipeline's articles/s, "
            f"{tokens / seconds / ceiling:.0%} of the fp32 ceiling"
        )


def _fastest_pipeline(directory: Path, texts: list[str]) -> tuple[float, int]:
    """Seconds for the pipeline over `texts` at its fastest batch size (tried on a sample)."""
    classify = pipeline(
        "text-classification", model=str(directory), top_k=None, truncation=True, device="cpu"
    )
    sample = texts[:64]
    trials = {
        size: _timed(lambda s=size: classify(sample, batch_size=s)) for size in PIPELINE_BATCH_SIZES
    }
    best = min(trials, key=trials.get)
    return _timed(lambda: classify(texts, batch_size=best)), best


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
