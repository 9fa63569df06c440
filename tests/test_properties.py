"""Property-based tests: the annotation reader, the article reader and the cleaner on any input."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tematik.annotations import read_annotations
from tematik.data import clean_text
from tematik.errors import TematikError
from tematik.exchange import import_export
from tematik.inputs import Article, Unreadable, read_articles
from tematik.schema import load_schema

SCHEMA = load_schema()
PROPERTIES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Any Unicode text a file can hold (no lone surrogates), control characters and line
# separators included, sometimes as one very long line.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]))
LONG_LINE = st.builds(lambda piece, times: piece * times, ANY_TEXT, st.integers(1000, 20_000))
LINES = st.lists(st.one_of(ANY_TEXT, LONG_LINE, st.just("")), max_size=8)
RECORD = st.fixed_dictionaries(
    {
        "id": ANY_TEXT.filter(str.strip),
        "text": st.one_of(ANY_TEXT, LONG_LINE).filter(str.strip),
        "labels": st.lists(st.sampled_from(SCHEMA.ids), unique=True),
    }
)

# Any JSON, and JSON shaped like the tools' exports with any value in any field.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "id",
    "data",
    "text",
    "annotations",
    "result",
    "from_name",
    "type",
    "value",
    "choices",
    "reviews",
    "accepted",
    "drafts",
    "label",
    "labels",
    "options",
    "accept",
    "answer",
    "_input_hash",
    "was_cancelled",
    "ground_truth",
]
SHAPED = st.recursive(
    JSON, lambda inner: st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6), max_leaves=20
)


WORD = st.text("abcdeghiklmnoprstuwy", min_size=2, max_size=10)
SENTENCE = st.builds(
    lambda words: " ".join(words).capitalize() + ".", st.lists(WORD, min_size=4, max_size=14)
)
# Page furniture as scraped Indonesian news pages carry it, each a line of its own.
BOILERPLATE = st.sampled_from(
    [
        "loading...",
        "A",
        "ADVERTISEMENT",
        "SCROLL TO CONTINUE WITH CONTENT",
        "BACA JUGA: Harga Cabai Naik Jelang Lebaran",
        "Baca juga: Timnas Menang Tipis di Laga Uji Coba",
        "Berita Terkait",
        "KOMENTAR",
        "Komentar (3)",
        "Editor: Rina Wulandari",
        "Sumber: https://contoh-portal.id/berita/12345",
        "Simak berita lainnya di Google News",
        "(ant)",
    ]
)


@PROPERTIES
@given(lines=LINES)
def test_annotation_reader_reports_any_line_it_cannot_read(tmp_path, lines):
    path = tmp_path / "any.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    annotations = read_annotations([path], SCHEMA)
    assert all(problem.startswith(f"{path}:") for problem in annotations.problems)
    assert annotations.records or annotations.problems


@PROPERTIES
@given(records=st.lists(RECORD, min_size=1, max_size=5, unique_by=lambda r: r["id"]))
def test_any_record_written_as_json_lines_reads_back_unchanged(tmp_path, records):
    records = list({" ".join(r["text"].split()): r for r in records}.values())
    path = tmp_path / "written.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    annotations = read_annotations([path], SCHEMA)
    assert annotations.problems == []
    assert [(r.id, r.text, list(r.labels)) for r in annotations.records] == [
        (r["id"], r["text"], r["labels"]) for r in records
    ]


@PROPERTIES
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".jsonl"]))
def test_article_reader_yields_an_article_or_a_reason_for_any_bytes(tmp_path, data, suffix):
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    for item in read_articles([str(path)]):
        assert isinstance(item, Article | Unreadable)
        if isinstance(item, Unreadable):
            assert item.where.startswith(str(path)) and item.reason


@PROPERTIES
@given(text=ANY_TEXT.filter(str.strip), encoding=st.sampled_from(["utf-8", "utf-16"]))
def test_any_article_written_as_json_lines_is_read_back_unchanged(tmp_path, text, encoding):
    path = tmp_path / "articles.jsonl"
    row = json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\n"
    path.write_bytes(row.encode(encoding))
    assert list(read_articles([str(path)])) == [Article("a", text)]


@PROPERTIES
@given(text=st.one_of(ANY_TEXT, LONG_LINE, st.lists(ANY_TEXT).map("\n".join)))
def test_cleaner_leaves_plain_lines_of_text(text):
    cleaned = clean_text(text)
    assert all(char == "\n" or char.isprintable() for char in cleaned)
    assert "\n\n" not in cleaned and cleaned == cleaned.strip()


@PROPERTIES
@given(
    body=st.lists(st.lists(SENTENCE, min_size=1, max_size=4), min_size=1, max_size=8),
    furniture=st.lists(BOILERPLATE, max_size=8),
    positions=st.randoms(use_true_random=False),
)
def test_cleaner_keeps_every_sentence_and_drops_the_furniture(body, furniture, positions):
    lines = [" ".join(paragraph) for paragraph in body]
    for item in furniture:
        lines.insert(positions.randint(0, len(lines)), item)
    cleaned = clean_text("\n".join(lines))
    for sentence in (s for paragraph in body for s in paragraph):
        assert sentence in cleaned
    for item in furniture:
        assert item not in cleaned.split("\n")


@PROPERTIES
@given(
    items=st.lists(SHAPED, max_size=5),
    tool=st.sampled_from(["label-studio", "doccano", "prodigy"]),
    lines=st.booleans(),
)
def test_import_reports_any_export_it_cannot_read_without_crashing(tmp_path, items, tool, lines):
    path = tmp_path / "export.json"
    text = "\n".join(map(json.dumps, items)) if lines else json.dumps(items)
    path.write_text(text, encoding="utf-8")
    try:
        imported = import_export(path, tool, SCHEMA)
    except TematikError as error:
        assert str(error).startswith(f"{path}") and "\n" not in str(error)
    else:
        assert all(line.startswith(f"{path}") for line in imported.problems + imported.left_out)
