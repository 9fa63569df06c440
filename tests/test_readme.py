"""Every code block in README.md runs as written, in order, in a copy of the project where the
files it names exist and `tematik train` trains the tiny base model (flags appended)."""

import contextlib
import io
import json
import random
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEEDS, tiny_training
from tool_exports import prodigy_manual, studio_choices

from tematik.annotations import parse_line
from tematik.evidence import sentences
from tematik.schema import load_schema

BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Commands of other programs, and where they are run instead of here.
RUN_ELSEWHERE = {
    "python3 -m venv": "the set-up, which .ci/run repeats (checked below)",
    "pip install": "the set-up, which .ci/run repeats (checked below)",
    "torchrun": "test_trainer's two-process run",
    "accelerate launch": "test_trainer's two-process run, through torchrun",
    "python bench/": "benchmarks print figures; they are never part of the test run",
    "python -m pytest": "this test run",
}
ENGINES = {"ray": "ray", "pyspark": "pyspark"}  # module imported: the engine it belongs to
# Texts for the annotation tools' exports that the README imports: not in the project's labels.
GENERATED_ARTICLES = 300
EXPORTED = [
    ("Menlu RI dan Menlu Jepang bertemu di Tokyo membahas kerja sama maritim.", ["diplomacy"]),
    ("Korea Utara meluncurkan dua rudal balistik ke Laut Jepang pada Kamis pagi.", []),
]


def code_blocks() -> list[tuple[int, str, str]]:
    """(line, language, code) of every fenced block in README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [
        (readme[: m.start()].count("\n") + 1, m.group(1), m.group(2))
        for m in BLOCK.finditer(readme)
    ]


def commands(code: str) -> list[str]:
    """The shell commands of a bash block: continuations joined, comments and `time` dropped."""
    joined = code.replace("\\\n", " ")
    lines = (" ".join(shlex.split(line, comments=True)) for line in joined.splitlines())
    return [line.removeprefix("time ") for line in lines if line]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with the seed annotations and every file the README names."""
    root = tmp_path_factory.mktemp("readme") / "tematik"
    for folder in ("seeds", "train"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "labels").mkdir()
    for name in ("themes.yaml", "seeds.jsonl"):
        shutil.copy(ROOT / "labels" / name, root / "labels" / name)
    shutil.copytree(ROOT / "seeds", root / "new")
    (root / "articles").mkdir()
    unlabelled = [{"id": seed.stem, "text": seed.read_text(encoding="utf-8")} for seed in SEEDS]
    (root / "articles" / "seeds.jsonl").write_text(
        "".join(f"{json.dumps(a)}\n" for a in unlabelled)
    )
    shutil.copy(ROOT / "labels" / "seeds.jsonl", root / "heldout.jsonl")
    (root.parent / "shared" / "corpus").mkdir(parents=True)
    shutil.copy(ROOT / "labels" / "seeds.jsonl", root.parent / "shared" / "corpus" / "dev.jsonl")
    _write_exports(root)
    return root


def _write_exports(root: Path) -> None:
    """The Label Studio, doccano and Prodigy exports the README imports."""
    tasks = [
        {
            "id": number,
            "data": {"text": text},
            "annotations": [
                {
                    "id": number,
                    "result": [studio_choices(*labels)] if labels else [],
                }
            ],
        }
        for number, (text, labels) in enumerate(EXPORTED, 1)
    ]
    (root / "project-3-at-2025-03-04.json").write_text(json.dumps(tasks), encoding="utf-8")
    rows = [
        json.dumps({"id": number, "text": f"{text} (doccano)", "label": labels})
        for number, (text, labels) in enumerate(EXPORTED, 1)
    ]
    (root / "admin.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    answers = [
        prodigy_manual(number, f"{text} (prodigy)", [label.upper() for label in labels])
        for number, (text, labels) in enumerate(EXPORTED, 1)
    ]
    (root / "tema.jsonl").write_text("\n".join(answers) + "\n", encoding="utf-8")


def test_every_code_block_runs_as_written(project, tiny_base_model, monkeypatch):
    monkeypatch.chdir(project)
    for line, language, code in code_blocks():
        run = RUNNERS.get(language)
        assert run, f"README.md:{line}: a ```{language} block the test cannot run"
        if not _engine(code):
            run(line, code, tiny_base_model)


@pytest.mark.engines
@pytest.mark.parametrize("engine", sorted(set(ENGINES.values())))
def test_engine_blocks_tag_every_row_as_predict_does(engine, project, trained_model, monkeypatch):
    """The README's Ray Data and Spark blocks, run as written on a local instance where the
    engine is installed, on the seed articles and generated ones: every row comes back with the
    labels and scores `ThemeClassifier.predict` gives its text."""
    pytest.importorskip(engine)
    if engine == "pyspark" and not shutil.which("java"):
        pytest.skip("Spark runs on a Java runtime, and none is on PATH")
    import pandas

    from tematik import ThemeClassifier

    monkeypatch.chdir(project)
    model = project / "model" / "e5-quick"
    if not model.exists():  # run alone, not after the blocks above
        shutil.copytree(trained_model, model)
    _write_generated_articles(project / "articles" / "generated.jsonl")
    blocks = [(line, code) for line, _, code in code_blocks() if _engine(code) == engine]
    assert blocks, f"README.md has no block for {engine}"
    for line, code in blocks:
        _run_python(line, code, trained_model)
        (output,) = re.findall(r'parquet\("([^"]+)"\)', code)
        tagged = pandas.read_parquet(project / output).sort_values("id")
        assert len(tagged) == len(SEEDS) + GENERATED_ARTICLES, f"README.md:{line}"
        classifier = ThemeClassifier.from_pretrained(model)
        expected = classifier.predict(list(tagged["text"]))
        assert [list(labels) for labels in tagged["labels"]] == [p.labels for p in expected]
        for k, theme in enumerate(classifier.labels):
            np.testing.assert_allclose(tagged[f"score_{theme}"], expected.scores[:, k], atol=1e-5)


def _write_generated_articles(path: Path) -> None:
    """Articles made of the seeds' sentences drawn at random, a few hundred, as JSON Lines."""
    pool = [s.text for seed in SEEDS for s in sentences(seed.read_text(encoding="utf-8"))]
    draw = random.Random(7)
    rows = [
        {"id": f"generated-{n:03d}", "text": " ".join(draw.sample(pool, draw.randint(2, 12)))}
        for n in range(GENERATED_ARTICLES)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _engine(code: str) -> str | None:
    """The distributed engine a block imports, if any."""
    imported = re.findall(r"^(?:from|import) (\w+)", code, re.MULTILINE)
    return next((ENGINES[name] for name in imported if name in ENGINES), None)


def _run_bash(line: str, code: str, tiny_base_model: Path) -> None:
    for command in commands(code):
        if not command.startswith("tematik "):
            elsewhere = [run for start, run in RUN_ELSEWHERE.items() if command.startswith(start)]
            assert elsewhere, f"README.md:{line}: `{command}` is run nowhere"
            continue
        arguments = shlex.split(command)[1:]
        if arguments[0] == "train":
            arguments += [*tiny_training(tiny_base_model)[2:], "--epochs", "1"]
        result = subprocess.run(
            [sys.executable, "-m", "tematik", *arguments], capture_output=True, text=True
        )
        assert result.returncode == 0, f"README.md:{line}: `{command}`\n{result.stderr[-2000:]}"


def _run_python(line: str, code: str, tiny_base_model: Path) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        # As a script: Ray pickles the classes a block defines by value only in __main__.
        exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__main__"})
    if "print(" in code:
        assert printed.getvalue().strip(), f"README.md:{line}: the block prints nothing"


def _check_json(line: str, code: str, tiny_base_model: Path) -> None:
    for entry in code.strip().splitlines():
        record = parse_line(entry, load_schema(ROOT / "labels" / "themes.yaml"))
        assert not isinstance(record, str), f"README.md:{line}: {record}"


def _formula(line: str, code: str, tiny_base_model: Path) -> None:
    """A ```text block is a formula or an output to read, not code."""


RUNNERS = {"bash": _run_bash, "python": _run_python, "json": _check_json, "text": _formula}


def test_the_set_up_block_is_what_ci_installs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_commands = {_without_quiet_flags(command) for command in ci.splitlines()}
    (set_up,) = [code for _, language, code in code_blocks()[:1] if language == "bash"]
    for command in commands(set_up):
        for part in command.split(" && "):
            if not part.startswith(". "):  # activating the venv: CI sources the same path
                assert _without_quiet_flags(part) in ci_commands, part


def _without_quiet_flags(command: str) -> str:
    flags = {"--quiet", "--progress-bar", "off"}
    return " ".join(word for word in shlex.split(command, comments=True) if word not in flags)
