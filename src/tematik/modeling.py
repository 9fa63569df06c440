"""ThemeClassifier: a trained tematik model directory, loaded, saved and asked for themes."""

from __future__ import annotations

import ctypes
import functools
import json
import shutil
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from tematik.data import (
    clean_text,
    make_windows,
    pad_windows,
    pool_window_scores,
)
from tematik.errors import TematikError, TematikWarning, reason
from tematik.evidence import (
    MAX_SENTENCES,
    Evidence,
    Sentence,
    joined,
    passage,
    passage_span,
    sentences,
)
from tematik.model_settings import SETTINGS_FILE, ModelSettings
from tematik.onnx_model import INT8_ONNX_FILE, ONNX_FILE, OnnxModel, export_int8_onnx
from tematik.predictions import Prediction, Predictions, sigmoid
from tematik.schema import Schema

if TYPE_CHECKING:
    import pandas as pd
    import torch
    from tokenizers import Tokenizer
    from transformers import PreTrainedModel, PreTrainedTokenizerFast

MODEL_FILES = ("config.json", SETTINGS_FILE)
# Windows per forward pass: with PyTorch, 8 was fastest on a 2-core CPU (bench/classify_speed.py;
# 32 was 14% slower, its activations no longer fit the caches); a GPU wants larger batches. ONNX
# Runtime's int8 graph was fastest one window at a time: 17.4 articles/s, 16.1 at 4, 14.6 at 16;
# a padded token costs it as much as a real one.
BATCH_SIZE = {"cpu": 8, "cuda": 32, "onnx": 1}
RUNTIMES = ("auto", "torch", "onnx")
PREDICT_CHUNK = 64
"""Articles scored together by `predict`: memory stays flat however many are given."""
__all__ = ["SETTINGS_FILE", "ModelSettings", "Prediction", "Predictions", "ThemeClassifier"]


class _Citation(NamedTuple):
    """The passage cited for one theme of one article, and its score read alone if known."""

    row: int
    theme: str
    column: int
    passage: Sentence
    score: float | None


class ThemeClassifier:
    """Tags whole articles with themes: cleaning, token windows, scoring, thresholds."""

    def __init__(
        self,
        model: PreTrainedModel | OnnxModel,
        tokenizer: PreTrainedTokenizerFast | Tokenizer,
        settings: ModelSettings,
        batch_size: int | None = None,
    ) -> None:
        self.model = model if isinstance(model, OnnxModel) else model.eval()
        self.tokenizer = tokenizer
        self.settings = settings
        device = "onnx" if isinstance(model, OnnxModel) else model.device.type
        self.batch_size = batch_size or BATCH_SIZE.get(device, BATCH_SIZE["cpu"])
        self.path: Path | None = None
        """The directory `from_pretrained` loaded, if it did."""

    @property
    def labels(self) -> list[str]:
        return self.settings.labels

    @property
    def schema(self) -> Schema:
        """The label schema the model was trained on."""
        source = str(self.path / SETTINGS_FILE) if self.path else "the model's settings"
        return Schema.from_dict(self.settings.schema, source)

    @property
    def thresholds(self) -> np.ndarray:
        return np.array([self.settings.thresholds[label] for label in self.labels])

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        device: str | None = None,
        int8: bool | None = None,
        runtime: str = "auto",
    ) -> ThemeClassifier:
        """Load a model directory written by `tematik train` (or `save_pretrained`).

        Where the CPU scores (`device="cpu"`, or no device on a machine without an NVIDIA GPU),
        it scores the directory's int8 ONNX copy `model.int8.onnx` with ONNX Runtime, without
        importing torch or transformers; on a GPU, the PyTorch model in fp32. `int8=False` asks
        for fp32 on the CPU too: PyTorch, or the fp32 `model.onnx` of a directory from before
        the int8 default. `int8=True` asks for int8 on the CPU even where a GPU is.
        `runtime="onnx"` or `"torch"` names the runtime; `int8=True` with PyTorch quantizes its
        linear layers per output channel (a directory without the int8 copy).
        """
        path = Path(path)
        classifier = cls._load(path, device, int8, runtime)
        classifier.path = path
        return classifier

    @classmethod
    def _load(
        cls, path: Path, device: str | None, int8: bool | None, runtime: str
    ) -> ThemeClassifier:
        settings = _read_settings(path)
        if onnx_file := _onnx_file(path, device, int8, runtime):
            return cls._from_onnx(path, onnx_file, settings)
        device = device or ("cpu" if int8 else _default_device())
        if int8 and device != "cpu":
            raise TematikError("int8 scoring runs on the CPU; drop --int8 or pass device='cpu'")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModelForSequenceClassification.from_pretrained(path)
        except (OSError, ValueError) as error:
            raise TematikError(f"{path}: incomplete model directory ({reason(error)})") from None
        model_labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        _check_labels(path, model_labels, settings.labels)
        return cls(_quantized(model) if int8 else model.to(device), tokenizer, settings)

    @classmethod
    def _from_onnx(cls, path: Path, onnx_file: Path, settings: ModelSettings) -> ThemeClassifier:
        from tokenizers import Tokenizer

        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            labels = config["id2label"]
            _check_labels(path, [labels[str(i)] for i in range(len(labels))], settings.labels)
            tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
            model = OnnxModel(onnx_file)
        except TematikError:
            raise
        except Exception as error:  # a damaged file surfaces as whatever its reader raises
            raise TematikError(f"{path}: incomplete model directory ({reason(error)})") from None
        return cls(model, tokenizer, settings)

    def save_pretrained(self, path: str | Path) -> None:
        """Write the Hugging Face files (weights stored as fp16, loaded back as fp32), their int8
        ONNX copy and tematik's settings into `path`."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if isinstance(self.model, OnnxModel):  # scoring changed no file: copy the directory
            source = self.model.path.parent
            if source.resolve() != path.resolve():
                shutil.copytree(source, path, dirs_exist_ok=True)
        else:
            self.model.save_pretrained(path, state_dict=_half(self.model.state_dict()))
            self.tokenizer.save_pretrained(path)
            _export_or_warn(self.model, path)
        (path / SETTINGS_FILE).write_text(self.settings.to_json(), encoding="utf-8")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Scores (articles × themes, in `self.labels` order) of whole, cleaned articles."""
        return self._scores([clean_text(text) for text in texts])

    def predict(
        self,
        texts: Sequence[str],
        ids: Sequence[str] | None = None,
        progress: Callable[[int], None] | None = None,
        explain: bool = False,
    ) -> Predictions:
        """Themes (by the stored per-theme thresholds) and all scores for each article: a
        sequence of `Prediction`. Scores 64 articles at a time, calling `progress(n)` after each.

        With `explain=True`, each prediction also holds the evidence for each theme it carries:
        the passage that carries it, located in the text as given (see `evidence`).
        """
        scores: list[np.ndarray] = []
        evidence: list[dict[str, Evidence]] = []
        for start in range(0, len(texts), PREDICT_CHUNK):
            chunk = texts[start : start + PREDICT_CHUNK]
            part = Predictions.of(self.predict_proba(chunk), self.labels, self.thresholds)
            scores.append(part.scores)
            if explain:
                evidence += self.evidence(chunk, [prediction.labels for prediction in part])
            if progress:
                progress(len(chunk))
        return Predictions.of(
            np.concatenate(scores) if scores else np.zeros((0, len(self.labels))),
            self.labels,
            self.thresholds,
            ids,
            evidence if explain else None,
        )

    def evidence(
        self,
        texts: Sequence[str],
        themes: Sequence[Sequence[str]],
        max_sentences: int = MAX_SENTENCES,
    ) -> list[dict[str, Evidence]]:
        """For each article, the passage that carries each of its given themes: its sentences
        that survive cleaning are scored one by one, and each theme cites its best sentence,
        widened by neighbours that reach the theme's threshold too (see `tematik.evidence`)."""
        unknown = sorted({theme for wanted in themes for theme in wanted} - set(self.labels))
        if unknown:
            raise TematikError(f"unknown theme(s) {unknown}; the model's are {self.labels}")
        found = [sentences(t) if wanted else [] for t, wanted in zip(texts, themes, strict=True)]
        own = self._scores([s.text for article in found for s in article])
        starts = np.cumsum([0] + [len(article) for article in found])
        cited: list[_Citation] = []
        for row, (text, article, wanted) in enumerate(zip(texts, found, themes, strict=True)):
            scores = own[starts[row] : starts[row + 1]]
            joins = joined(text, article)
            for theme in wanted if article else []:
                k = self.labels.index(theme)
                first, last = passage_span(scores[:, k], self.thresholds[k], joins, max_sentences)
                known = scores[first, k] if last - first == 1 else None
                cited.append(_Citation(row, theme, k, passage(article, (first, last)), known))
        evidence: list[dict[str, Evidence]] = [{} for _ in texts]
        for citation, score in zip(cited, self._passage_scores(cited), strict=True):
            evidence[citation.row][citation.theme] = citation.passage.scored(score)
        return evidence

    def _passage_scores(self, cited: list[_Citation]) -> list[float]:
        """The score each cited passage gets read alone: a single sentence's is known already, a
        longer passage is scored now."""
        unknown = [c for c in cited if c.score is None]
        scored = iter(self._scores([c.passage.text for c in unknown]))
        return [float(next(scored)[c.column] if c.score is None else c.score) for c in cited]

    def _scores(self, cleaned: Sequence[str]) -> np.ndarray:
        """Scores (texts × themes) of texts already cleaned."""
        if not cleaned:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        windows = self.settings.windows
        input_ids, text_index = make_windows(self.tokenizer, list(cleaned), windows)
        logits = pool_window_scores(
            self._window_logits(input_ids), text_index, len(cleaned), windows.pooling
        )
        _return_freed_memory()
        return sigmoid(logits)

    def __call__(self, batch: Mapping[str, Any] | pd.DataFrame) -> dict[str, Any] | pd.DataFrame:
        """Batch in, batch out, for a distributed engine's batch map (Ray Data `map_batches`, a
        Spark pandas UDF): a mapping or DataFrame with a `text` column comes back with `labels`
        and one `score_<theme>` column per theme added."""
        predictions = self.predict([str(text) for text in batch["text"]])
        labels = np.empty(len(predictions), dtype=object)
        labels[:] = [predictions.themes(row) for row in range(len(predictions))]
        columns = {"labels": labels} | {
            f"score_{label}": predictions.scores[:, k] for k, label in enumerate(self.labels)
        }
        if hasattr(batch, "assign"):
            return batch.assign(**columns)
        return {**batch, **columns}

    def _window_logits(self, input_ids: list[list[int]]) -> np.ndarray:
        """Logits per window, in length-sorted batches padded to their longest window."""
        order = np.argsort([len(ids) for ids in input_ids], kind="stable")
        batches = [
            order[start : start + self.batch_size]
            for start in range(0, len(order), self.batch_size)
        ]
        padded = [pad_windows([input_ids[i] for i in batch]) for batch in batches]
        if isinstance(self.model, OnnxModel):
            results = self.model.logits(padded)
        else:
            results = [self._torch_logits(*batch) for batch in padded]
        logits = np.zeros((len(input_ids), len(self.labels)), dtype=np.float32)
        for batch, result in zip(batches, results, strict=True):
            logits[batch] = result
        return logits

    def _torch_logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        import torch

        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        with torch.inference_mode():
            batch = {
                key: torch.from_numpy(value).to(self.model.device) for key, value in inputs.items()
            }
            return self.model(**batch).logits.float().cpu().numpy()


def _export_or_warn(model: PreTrainedModel, path: Path) -> None:
    """Write the int8 ONNX copy into `path`. It only speeds scoring up: a model that will not
    export (or quantize) scores with PyTorch instead, with a warning."""
    try:
        export_int8_onnx(model, path / INT8_ONNX_FILE)
    except Exception as error:  # the exporter's failures have no common type
        (path / INT8_ONNX_FILE).unlink(missing_ok=True)
        warnings.warn(
            f"{path / INT8_ONNX_FILE}: not written ({reason(error)}); the model will score with "
            "PyTorch",
            TematikWarning,
            stacklevel=3,
        )


def _onnx_file(path: Path, device: str | None, int8: bool | None, runtime: str) -> Path | None:
    """The ONNX file `from_pretrained` scores with, or None for PyTorch (see there)."""
    if runtime not in RUNTIMES:
        raise TematikError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    wanted = {True: [INT8_ONNX_FILE], False: [ONNX_FILE], None: [INT8_ONNX_FILE, ONNX_FILE]}
    found = [path / name for name in wanted[int8] if (path / name).is_file()]
    if runtime == "onnx":
        if device not in (None, "cpu"):
            raise TematikError("runtime='onnx' scores on the CPU; drop device or pass 'cpu'")
        if not found:
            raise TematikError(
                f"{path}: no {' or '.join(wanted[int8])} to score with (the model predates it "
                "or its export failed; models now carry no fp32 ONNX copy); retrain the model, "
                "or use runtime='torch'"
            )
        return found[0]
    # int8 scores on the CPU even where an NVIDIA GPU is.
    cpu = device == "cpu" or (device is None and (int8 or not Path("/dev/nvidiactl").exists()))
    return found[0] if runtime == "auto" and cpu and found else None


def _check_labels(path: Path, model_labels: list[str], labels: list[str]) -> None:
    if model_labels != labels:
        raise TematikError(
            f"{path}: config.json labels {model_labels} differ from {SETTINGS_FILE} "
            f"labels {labels}; retrain the model"
        )


def _read_settings(path: Path) -> ModelSettings:
    if not path.is_dir():
        raise TematikError(
            f"{path}: model directory not found; train one with `tematik train` or pass --model DIR"
        )
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise TematikError(
            f"{path}: not a complete tematik model directory (missing {', '.join(missing)}); "
            "train one with `tematik train`"
        )
    try:
        return ModelSettings.from_json((path / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as error:
        raise TematikError(f"{path / SETTINGS_FILE}: unreadable ({reason(error)})") from None


def _half(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """fp32 weights as fp16, for storage: half the size; dev scores moved by at most 4e-4."""
    import torch

    return {k: v.half() if v.dtype == torch.float32 else v for k, v in state.items()}


def _quantized(model: PreTrainedModel) -> PreTrainedModel:
    """The model with int8 linear layers, one scale per output channel (dynamic quantization:
    activations scaled per batch)."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    linear = {torch.nn.Linear: per_channel_dynamic_qconfig}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        return quantize_dynamic(model, linear, dtype=torch.qint8)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not Linux with glibc: nothing to do
        return None


def _return_freed_memory() -> None:
    """Hand the heap's freed memory back to the OS. glibc keeps it, and as batch shapes vary the
    heap fragments: without this, classifying 10,000 articles peaked 0.5 GB above 1,000."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
