"""Shared fixtures: a tiny BERT built locally, and a model trained on the seeds through the CLI."""

import os

# Tests never reach the Hugging Face Hub; set before anything imports huggingface_hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
TINY_MAX_LENGTH = 64
TINY_VOCABULARY = 1200


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch):
    """Commands read labels/ and train/ relative to the project root, as a user runs them."""
    monkeypatch.chdir(ROOT)


def run_cli(*args: str, input: str | bytes | None = None):
    """Run the real `tematik` command in-process and return typer's result."""
    from tematik.cli import app

    return CliRunner().invoke(app, list(map(str, args)), input=input)


@pytest.fixture(scope="session")
def tiny_base_model(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT with a WordPiece vocabulary trained on the seeds."""
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    path = tmp_path_factory.mktemp("tiny-bert")
    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train([str(seed) for seed in SEEDS], vocab_size=TINY_VOCABULARY, min_frequency=1)
    wordpiece.save_model(str(path))
    tokenizer = BertTokenizerFast.from_pretrained(path, model_max_length=128)
    assert len(tokenizer) == TINY_VOCABULARY, "the tokenizer lost its vocabulary: all [UNK]"
    tokenizer.save_pretrained(path)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertForMaskedLM(config).save_pretrained(path)
    return path


def tiny_training(tiny_base_model: Path) -> list[str]:
    """`tematik train` flags that train the tiny base on the seeds with windows it can hold."""
    return [
        "--data",
        "labels/seeds.jsonl",
        "--base-model",
        str(tiny_base_model),
        "--max-length",
        str(TINY_MAX_LENGTH),
        "--stride",
        "16",
    ]


@pytest.fixture(scope="session")
def trained_model(tiny_base_model, tmp_path_factory) -> Path:
    """A model trained with `tematik train` on labels/seeds.jsonl from the tiny base."""
    output = tmp_path_factory.mktemp("models") / "tiny-tema"
    os.chdir(ROOT)
    result = run_cli(
        "train",
        "train/offline.yaml",
        *tiny_training(tiny_base_model),
        "--output",
        output,
        "--epochs",
        "3",
        "--batch-size",
        "8",
        "--learning-rate",
        "1e-3",
    )
    assert result.exit_code == 0, result.output
    return output
