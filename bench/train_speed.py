"""Training speed of one epoch in fp32, tf32 and bf16, with dynamic padding and length grouping.

Trains a base-size BERT with IndoBERT's configuration (random weights) through tematik's own
Trainer set-up on the project's annotations repeated to `--articles`, once per precision, in one
run. Prints samples/s, tokens/s, and the share of the device's measured bf16 matrix-multiply
rate that the training step reaches (3 × forward FLOPs per token). Meant for a GPU; on a CPU it
runs too (`--articles 16 --precisions fp32` is a smoke test).

Run: python bench/train_speed.py [--articles 2000] [--precisions fp32 tf32 bf16]
"""

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from flops import (
    INDOBERT_SHAPE,
    forward_flops_per_token,
    indobert_shaped_model,
    matmul_rate,
    synchronize,
)
from transformers import AutoTokenizer

from tematik.annotations import DEFAULT_ANNOTATIONS, load_annotations
from tematik.data import clean_text, make_windows
from tematik.recipe import Recipe, load_recipe
from tematik.schema import load_schema
from tematik.trainer import _build_trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--precisions", nargs="+", default=["fp32", "tf32", "bf16"])
    parser.add_argument("--recipe", default="train/indobert-base.yaml")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rate = matmul_rate(torch.bfloat16, device, size=8192 if device == "cuda" else 2048, repeats=20)
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    print(f"{name}: bf16 matmul {rate / 1e12:.1f} TFLOP/s")
    schema = load_schema()
    records = load_annotations([DEFAULT_ANNOTATIONS], schema)
    records = (records * (args.articles // len(records) + 1))[: args.articles]
    tokenizer = AutoTokenizer.from_pretrained(INDOBERT_SHAPE)
    recipe = replace(load_recipe(args.recipe), epochs=1)
    windows, _ = make_windows(tokenizer, [clean_text(r.text) for r in records], recipe.windows)
    tokens = sum(map(len, windows))
    print(f"{len(records)} articles, {len(windows)} windows, {tokens} tokens per epoch")
    for precision in args.precisions:
        seconds, model = train_one_epoch(replace(recipe, precision=precision), records, schema)
        per_token = forward_flops_per_token(model, tokens / len(windows))
        memory = (
            f"  peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB"
            if device == "cuda"
            else ""
        )
        print(
            f"{precision:5}: {seconds:7.1f} s  {len(records) / seconds:7.1f} samples/s  "
            f"{tokens / seconds:9.0f} tokens/s  "
            f"{3 * per_token * tokens / seconds / rate:.0%} of the bf16 matmul rate{memory}"
        )


def train_one_epoch(recipe: Recipe, records: list, schema) -> tuple[float, object]:
    """Seconds for one training epoch (no evaluation, no checkpoints), and the model trained."""
    model = indobert_shaped_model(schema.ids, recipe.attention_dropout)
    tokenizer = AutoTokenizer.from_pretrained(INDOBERT_SHAPE)
    with tempfile.TemporaryDirectory() as work:
        trainer = _build_trainer(
            recipe, schema, tokenizer, model, records, records[:8], Path(work), progress=False
        )
        trainer.args.eval_strategy = trainer.args.save_strategy = "no"
        trainer.args.load_best_model_at_end = False
        trainer.callback_handler.callbacks = [
            c for c in trainer.callback_handler.callbacks if "EarlyStopping" not in type(c).__name__
        ]
        synchronize()
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        trainer.train()
        synchronize()
        return time.perf_counter() - started, model


if __name__ == "__main__":
    main()
