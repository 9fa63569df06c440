"""Fine-tuning: validated records → token windows → `transformers.Trainer` → model directory.

Imported only by the commands that train: it loads torch and transformers.
"""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import numpy as np
import torch
from datasets import Dataset
from transformers import (
    EarlyStoppingCallback,
    EvalPrediction,
    PrinterCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)

from tematik.annotations import Record, expand_paths, load_annotations, theme_counts
from tematik.base_model import load_base_model
from tematik.data import clean_text, make_windows, pad_windows, pool_windows
from tematik.errors import TematikError, TematikWarning
from tematik.evaluation import Evaluation, evaluate
from tematik.files import swap_into_place
from tematik.metrics import (
    DEFAULT_THRESHOLD,
    all_themes_macro_f1,
    article_metrics,
    label_matrix,
)
from tematik.model_card import useless_model_note, write_model_card
from tematik.model_settings import ModelSettings, SplitCounts, TrainingRecord
from tematik.modeling import ThemeClassifier
from tematik.predictions import sigmoid
from tematik.recipe import Recipe
from tematik.schema import Schema, load_schema
from tematik.thresholds import tune_thresholds

STAGING_SUFFIX = ".incomplete"
RECIPE_FILE = "recipe.json"


@dataclass(frozen=True)
class TrainingResult:
    path: Path
    metrics: dict
    seconds: float
    published: bool = True
    """Whether this process wrote the model directory (only the main one of several does)."""


def train(
    recipe: Recipe, overwrite: bool = False, resume: bool = False, progress: bool = True
) -> TrainingResult:
    """Train a model as the recipe says and write its directory completely, or not at all.

    Checkpoints go to `OUTPUT.incomplete/` after every epoch; `resume=True` continues an
    interrupted run from the last complete one, to the same result as an uninterrupted run.
    """
    started = time.monotonic()
    _stop_requested.clear()
    recipe = recipe.checked()
    output = Path(recipe.output)
    if output.exists() and not overwrite:
        raise TematikError(f"{output}: already exists; pass --overwrite or choose --output DIR")
    staging = staging_folder(output)
    if resume:
        checkpoint = _resumable_checkpoint(staging, recipe)
    else:
        _refuse_to_discard(staging)
        checkpoint = None
    schema = load_schema(recipe.schema)
    records = load_annotations(recipe.data, schema)
    check_trainable(records, schema)
    train_records, validation_records = split_validation(
        records, recipe.validation_fraction, recipe.seed
    )
    set_seed(recipe.seed)  # the new classification head is drawn from the seeded generator
    tokenizer, model = load_base_model(recipe.base_model, schema, recipe.attention_dropout)
    model.get_input_embeddings().requires_grad_(not recipe.freeze_embeddings)
    positions = getattr(model.config, "max_position_embeddings", recipe.max_length)
    if recipe.max_length > positions:
        raise TematikError(
            f"max_length {recipe.max_length} exceeds the {positions} positions of "
            f"{recipe.base_model}; set --max-length {positions} or less"
        )
    # Saved with the model: a `pipeline(..., truncation=True)` cuts articles to one window.
    tokenizer.model_max_length = recipe.max_length
    trainer = _build_trainer(
        recipe, schema, tokenizer, model, train_records, validation_records, staging, progress
    )
    # One process, or one of several under torchrun / accelerate launch: the main one alone
    # writes files.
    main_process = trainer.is_world_process_zero()
    if checkpoint is None and main_process:
        _start_staging(staging, recipe)
    trainer.accelerator.wait_for_everyone()
    try:
        trainer.train(resume_from_checkpoint=checkpoint)
    except KeyboardInterrupt:
        if main_process and not _complete_checkpoints(staging):
            shutil.rmtree(staging, ignore_errors=True)  # nothing in it to resume from
        raise
    # Without the mixed-precision wrapper Accelerate put around `forward`, which ONNX export
    # cannot trace.
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    validation = _tuned_validation(model, tokenizer, schema, recipe, validation_records)
    record = TrainingRecord(
        recipe=recipe,
        files=tuple(map(str, expand_paths(recipe.data))),
        train=_split_counts(train_records, schema),
        validation=_split_counts(validation_records, schema),
        validation_metrics=validation.metrics,
        all_themes_macro_f1=all_themes_macro_f1(validation.actual, schema.ids),
        epochs_run=round(trainer.state.epoch or 0, 2),
        processes=trainer.args.world_size,
        best_epoch_macro_f1=trainer.state.best_metric,
        seconds=round(time.monotonic() - started, 1),
    )
    settings = ModelSettings(
        labels=schema.ids,
        thresholds=validation.predictions.thresholds_by_theme,
        windows=recipe.windows,
        schema=schema.to_dict(),
        training=record,
    )
    classifier = ThemeClassifier(model, tokenizer, settings)
    _raise_if_stop_requested()
    if main_process:
        _publish(classifier, staging, output)
        if note := useless_model_note(record):
            warnings.warn(f"{output}: {note}", TematikWarning, stacklevel=2)
    trainer.accelerator.wait_for_everyone()
    return TrainingResult(output, validation.metrics, record.seconds, published=main_process)


_stop_requested = threading.Event()


def stop_on_signal(signum: int, frame: FrameType | None) -> None:
    """A handler for Ctrl-C and SIGTERM: training stops as interrupted, keeping finished epochs.

    The KeyboardInterrupt raised here stops it at once. Inside a finalizer (`__del__`) Python
    would print a raised exception's traceback and drop it, so there it raises nothing, and
    `_StopWhenRequested` stops the run at the next step.
    """
    _stop_requested.set()
    if not _in_finalizer(frame):
        raise KeyboardInterrupt


def _in_finalizer(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


class _StopWhenRequested(TrainerCallback):
    """Raises the KeyboardInterrupt a signal handler asked for, if it has not yet taken effect."""

    def on_step_begin(self, args, state, control, **kwargs) -> None:
        _raise_if_stop_requested()

    on_train_begin = on_step_end = on_evaluate = on_step_begin


def _raise_if_stop_requested() -> None:
    if _stop_requested.is_set():
        raise KeyboardInterrupt


def staging_folder(output: str | Path) -> Path:
    """Where a run keeps its checkpoints until the model directory is complete."""
    output = Path(output)
    return output.with_name(output.name + STAGING_SUFFIX)


def interruption_note(output: str | Path) -> str:
    """What an interrupted run leaves behind, and the command to run next."""
    staging = staging_folder(output)
    if _complete_checkpoints(staging):
        return (
            f"interrupted; checkpoints of the finished epochs are kept in {staging}/ (no model "
            "was written); run the same command with --resume to continue"
        )
    return (
        "interrupted before the first epoch finished: no model was written and there is "
        "nothing to resume; run the same command again, without --resume, to start over"
    )


def _refuse_to_discard(staging: Path) -> None:
    if _complete_checkpoints(staging):
        raise TematikError(
            f"{staging}: holds an interrupted run; continue it with --resume, "
            "or delete that folder to start over"
        )


def _start_staging(staging: Path, recipe: Recipe) -> None:
    """A fresh staging folder that records the recipe, for --resume to check."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / RECIPE_FILE).write_text(json.dumps(recipe.to_dict(), indent=2), encoding="utf-8")


def _resumable_checkpoint(staging: Path, recipe: Recipe) -> str:
    """The last complete checkpoint of an interrupted run of this same recipe."""
    checkpoints = _complete_checkpoints(staging)
    if not checkpoints:
        raise TematikError(
            f"{staging}: no complete checkpoint to resume from; train again without --resume"
        )
    recorded = staging / RECIPE_FILE
    stored = json.loads(recorded.read_text(encoding="utf-8")) if recorded.is_file() else {}
    changed = sorted(key for key, value in recipe.to_dict().items() if stored.get(key) != value)
    if changed:
        raise TematikError(
            f"{staging}: the interrupted run had other settings ({', '.join(changed)}); "
            "resume with the same recipe and flags"
        )
    return str(checkpoints[-1])


def _complete_checkpoints(staging: Path) -> list[Path]:
    """Checkpoints in step order whose Trainer state was written (the file written last)."""
    found = (staging / "checkpoints").glob("checkpoint-*/trainer_state.json")
    return sorted((state.parent for state in found), key=lambda p: int(p.name.split("-")[1]))


def check_trainable(records: list[Record], schema: Schema) -> None:
    """Stop before any compute when a theme has too few examples to learn and validate."""
    counts = theme_counts(records, schema)
    lacking = [theme for theme, count in counts.items() if count < 2]
    if lacking:
        detail = ", ".join(f"{theme} ({counts[theme]})" for theme in lacking)
        raise TematikError(
            f"too few articles for theme {detail}: each theme needs at least 2 positive "
            "articles (one to train on, one to validate); annotate more articles with it"
        )
    if len(records) < 4:
        raise TematikError(f"only {len(records)} articles; training needs at least 4")


def split_validation(
    records: list[Record], fraction: float, seed: int
) -> tuple[list[Record], list[Record]]:
    """Hold out a share of each label set (rare label sets pooled); same seed, same split.

    Every theme keeps at least one training article.
    """
    groups: dict[tuple[str, ...], list[Record]] = defaultdict(list)
    for record in records:
        groups[tuple(sorted(record.labels))].append(record)
    pooled: dict[tuple[str, ...], list[Record]] = defaultdict(list)
    for key, members in groups.items():
        pooled[key if len(members) >= 2 else ("<rare>",)].extend(members)
    rng = random.Random(seed)
    held_out: set[str] = set()
    for key in sorted(pooled):
        members = sorted(pooled[key], key=lambda r: r.id)
        rng.shuffle(members)
        held_out.update(r.id for r in members[: round(len(members) * fraction)])
    if not held_out:
        held_out.add(rng.choice(sorted(r.id for r in records)))
    for theme in sorted({label for r in records for label in r.labels}):
        if all(r.id in held_out for r in records if theme in r.labels):
            held_out.discard(min(r.id for r in records if theme in r.labels))
    validation = [r for r in records if r.id in held_out]
    return [r for r in records if r.id not in held_out], validation


def _article_dataset(tokenizer, records: list[Record], schema: Schema, recipe: Recipe) -> Dataset:
    """A `datasets.Dataset` with one row per article: its token windows and its themes."""
    input_ids, text_index = make_windows(
        tokenizer, [clean_text(r.text) for r in records], recipe.windows
    )
    windows: list[list[list[int]]] = [[] for _ in records]
    for ids, article in zip(input_ids, text_index, strict=True):
        windows[article].append(ids)
    return Dataset.from_dict(
        {
            "windows": windows,
            "labels": label_matrix(records, schema.ids).tolist(),
            "length": [sum(map(len, article)) for article in windows],
        }
    )


@dataclass(frozen=True)
class ArticleCollator:
    """Flattens the windows of a batch of articles into one padded batch, noting whose is whose.

    Padding to a multiple of 8 keeps the number of distinct batch shapes small: a GPU plans its
    attention kernels per shape, and in bf16 that planning made an epoch 2.7 times slower.
    """

    pad_to_multiple_of: int = 8

    def __call__(self, articles: list[dict]) -> dict:
        windows = [window for article in articles for window in article["windows"]]
        ids, mask = pad_windows(windows, self.pad_to_multiple_of)
        batch = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
        batch["window_article"] = torch.tensor(
            [i for i, article in enumerate(articles) for _ in article["windows"]]
        )
        batch["labels"] = torch.tensor([article["labels"] for article in articles])
        return batch


class ArticleTrainer(Trainer):
    """A Trainer that learns from whole articles: window logits are pooled per article exactly as
    at prediction time, then binary cross-entropy per theme, positives weighted per theme."""

    def __init__(self, *args, positive_weight: torch.Tensor, pooling: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.positive_weight = positive_weight
        self.pooling = pooling

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels").float()
        owners = inputs.pop("window_article")
        window_logits = model(**inputs).logits.float()
        logits = pool_windows(window_logits, owners, len(labels), self.pooling)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, labels, pos_weight=self.positive_weight.to(logits.device)
        )
        if not torch.isfinite(loss):
            raise TematikError(
                f"training diverged: the loss became {loss.item()} at step "
                f"{self.state.global_step + 1}; nothing was saved. Lower --learning-rate, "
                "or set precision: fp32 in the recipe"
            )
        return (loss, {"logits": logits}) if return_outputs else loss


def _article_f1(labels: list[str]):
    """`compute_metrics` for the Trainer: article logits → article-level F1.

    Uses the labels that come with the predictions: the Trainer may reorder the validation
    articles (length grouping does). Thresholds are tuned on the same articles each epoch, as they
    will be for the final model, so early stopping compares epochs by the F1 the saved model would
    report.
    """

    def compute_metrics(evaluation: EvalPrediction) -> dict:
        scores = sigmoid(evaluation.predictions)
        targets = np.asarray(evaluation.label_ids)
        decisions = scores >= tune_thresholds(scores, targets)
        metrics = article_metrics(decisions, targets, labels)
        return {key: metrics[key] for key in ("macro_f1", "micro_f1", "samples_f1")}

    return compute_metrics


def _build_trainer(
    recipe: Recipe,
    schema: Schema,
    tokenizer,
    model,
    train_records: list[Record],
    validation_records: list[Record],
    staging: Path,
    progress: bool,
) -> ArticleTrainer:
    train_set = _article_dataset(tokenizer, train_records, schema, recipe)
    validation_set = _article_dataset(tokenizer, validation_records, schema, recipe)
    cuda = torch.cuda.is_available()
    arguments = TrainingArguments(
        output_dir=str(staging / "checkpoints"),
        num_train_epochs=recipe.epochs,
        learning_rate=recipe.learning_rate,
        per_device_train_batch_size=recipe.batch_size,
        per_device_eval_batch_size=recipe.batch_size * 2,
        weight_decay=recipe.weight_decay,
        warmup_steps=recipe.warmup_ratio,
        eval_strategy="epoch",
        save_strategy="epoch",
        logging_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        save_total_limit=2,
        train_sampling_strategy="group_by_length",
        **mixed_precision(recipe.precision),
        # Without an accelerator, say so: under torchrun, Accelerate then runs one process per
        # rank on the CPU (gloo); left to guess, each rank trains alone and they clash on files.
        use_cpu=not torch.accelerator.is_available(),
        seed=recipe.seed,
        data_seed=recipe.seed,
        report_to="none",
        disable_tqdm=not progress,
        dataloader_pin_memory=cuda,
        ddp_find_unused_parameters=False,
        remove_unused_columns=False,
    )
    trainer = ArticleTrainer(
        model=model,
        args=arguments,
        train_dataset=train_set,
        eval_dataset=validation_set,
        data_collator=ArticleCollator(),
        processing_class=tokenizer,
        compute_metrics=_article_f1(schema.ids),
        callbacks=[
            EarlyStoppingCallback(early_stopping_patience=recipe.early_stopping_patience),
            _StopWhenRequested(),
        ],
        positive_weight=_positive_weights(label_matrix(train_records, schema.ids), recipe),
        pooling=recipe.pooling,
    )
    if not progress:  # without progress bars the Trainer prints every log line instead
        trainer.remove_callback(PrinterCallback)
    return trainer


def mixed_precision(precision: str) -> dict[str, bool]:
    """`TrainingArguments` for the recipe's precision. `auto` is tf32 on Ampere or newer GPUs,
    fp16 on older ones, bf16 on CPUs that compute it natively (AVX512-BF16 or AMX), else fp32."""
    cuda = torch.cuda.is_available()
    ampere = cuda and torch.cuda.get_device_capability()[0] >= 8
    if precision == "auto":
        if cuda:
            precision = "tf32" if ampere else "fp16"
        elif any(getattr(torch.cpu, check, lambda: False)() for check in _CPU_BF16_CHECKS):
            precision = "bf16"
        else:
            precision = "fp32"
    if precision == "fp16" and not cuda:
        raise TematikError("precision fp16 needs a CUDA GPU; set precision to bf16, fp32 or auto")
    if precision == "tf32" and not ampere:
        raise TematikError(
            "precision tf32 needs an NVIDIA GPU of the Ampere generation or newer; "
            "set precision to fp32 or auto"
        )
    return {
        "fp32": {},
        "tf32": {"tf32": True},
        "bf16": {"bf16": True},
        "fp16": {"fp16": True},
    }[precision]


_CPU_BF16_CHECKS = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")


def _positive_weights(targets: np.ndarray, recipe: Recipe) -> torch.Tensor:
    """negatives / positives per theme, between 1 and the recipe's cap."""
    positives = targets.sum(axis=0)
    weights = (len(targets) - positives) / np.maximum(positives, 1)
    return torch.tensor(np.clip(weights, 1.0, recipe.max_positive_weight), dtype=torch.float32)


def _tuned_validation(
    model, tokenizer, schema: Schema, recipe: Recipe, validation_records: list[Record]
) -> Evaluation:
    """The trained model on the validation articles, each theme's threshold tuned on them."""
    settings = ModelSettings(
        labels=schema.ids,
        thresholds=dict.fromkeys(schema.ids, DEFAULT_THRESHOLD),
        windows=recipe.windows,
        schema=schema.to_dict(),
    )
    classifier = ThemeClassifier(model, tokenizer, settings, batch_size=recipe.batch_size * 2)
    return evaluate(classifier, validation_records).tuned()


def _split_counts(records: list[Record], schema: Schema) -> SplitCounts:
    return SplitCounts(
        articles=len(records),
        per_theme=theme_counts(records, schema),
        no_theme=sum(not r.labels for r in records),
    )


def _publish(classifier: ThemeClassifier, staging: Path, output: Path) -> None:
    """Write the model into the staging folder, then move it into place in one rename."""
    finished = staging / "model"
    classifier.save_pretrained(finished)
    write_model_card(finished, classifier.settings, output)
    swap_into_place(finished, output)
    shutil.rmtree(staging, ignore_errors=True)
