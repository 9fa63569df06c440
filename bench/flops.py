"""Shared by the speed benchmarks: measured matmul rate, FLOPs per token, IndoBERT-shaped models."""

import time
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification

INDOBERT_SHAPE = Path("../shared/indobert-base-shape")


def matmul_rate(dtype: torch.dtype, device: str = "cpu", size: int = 2048, repeats: int = 10):
    """This device's measured matrix-multiply rate in FLOP/s for `dtype`."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    for _ in range(3):  # warm-up: kernel choice and, on a GPU, clocks
        a @ b
    synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - started)


def forward_flops_per_token(model, sequence_length: float) -> float:
    """2 FLOPs per weight of the encoder's linear layers, plus attention scores and mixing."""
    linear = sum(
        module.weight.numel()
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and ".encoder." in f".{name}."
    )
    config = model.config
    return 2 * linear + 4 * sequence_length * config.hidden_size * config.num_hidden_layers


def indobert_shaped_model(labels: list[str], attention_dropout: float = 0.0):
    """A randomly initialised multi-label classifier with IndoBERT base's configuration."""
    config = AutoConfig.from_pretrained(
        INDOBERT_SHAPE,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        problem_type="multi_label_classification",
        attention_probs_dropout_prob=attention_dropout,
    )
    torch.manual_seed(0)
    return AutoModelForSequenceClassification.from_config(config)


def synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
