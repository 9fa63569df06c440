import json

from conftest import SEEDS

from tematik.inputs import Article, Unreadable, read_articles

NO_ARTICLES = (
    'holds no articles: expected JSON Lines or a JSON array of objects with a "text" field'
)


def _read(*paths) -> tuple[list[Article], list[str]]:
    items = list(read_articles(map(str, paths)))
    articles = [item for item in items if isinstance(item, Article)]
    return articles, [str(item) for item in items if isinstance(item, Unreadable)]


def test_json_files_are_read_as_articles_or_named_once(tmp_path):
    text = SEEDS[0].read_text(encoding="utf-8")
    array = tmp_path / "array.json"
    array.write_text(json.dumps([{"id": "a1", "text": text}, {"text": text}]), encoding="utf-8")
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"id": "s1", "text": text}), encoding="utf-8")
    lines = tmp_path / "lines.json"
    lines.write_text(json.dumps({"id": "l1", "text": text}) + "\n" + json.dumps({"text": text}))
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"theme": "dark"}), encoding="utf-8")
    articles, unreadable = _read(array, single, lines, settings)
    assert [a.id for a in articles] == ["a1", f"{array}#2", "s1", "l1", f"{lines}:2"]
    assert all(a.text == text for a in articles)
    assert unreadable == [f"{settings}: {NO_ARTICLES}"]


def test_a_file_that_is_not_json_lines_is_one_problem_not_one_per_row(tmp_path):
    binary = tmp_path / "dump.jsonl"
    binary.write_bytes(bytes(range(256)) * 40)
    table = tmp_path / "table.jsonl"
    table.write_text("id,text\n" * 50, encoding="utf-8")
    articles, unreadable = _read(binary, table)
    assert articles == []
    assert unreadable == [
        f"{binary}: binary file, not text",
        f"{table}: {NO_ARTICLES} (line 1)",
    ]


def test_bad_rows_after_good_ones_are_named_by_line(tmp_path):
    rows = tmp_path / "rows.jsonl"
    good = json.dumps({"id": "g", "text": "Rudal diluncurkan."})
    rows.write_text(f'{good}\n{{"id": 2\n{{"id": "e", "text": " "}}\n[1, 2]\n', encoding="utf-8")
    articles, unreadable = _read(rows)
    assert [a.id for a in articles] == ["g"]
    assert unreadable[0].startswith(f"{rows}:2: invalid JSON (")
    assert unreadable[1:] == [
        f"{rows}:3: empty text",
        f'{rows}:4: expected a JSON object with a "text" field',
    ]


def test_latin1_and_utf16_files_are_decoded_not_rejected(tmp_path):
    text = SEEDS[1].read_text(encoding="utf-8").replace("’", "'") + " Menlu Pérez berkunjung."
    text = text.encode("latin-1", errors="replace").decode("latin-1")
    for name, encoding in (("utf8", "utf-8"), ("latin1", "latin-1"), ("utf16", "utf-16")):
        (tmp_path / f"{name}.txt").write_bytes(text.encode(encoding))
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 256)) * 8)
    jsonl = tmp_path / "rows.jsonl"
    row = json.dumps({"id": "jsonl16", "text": text}, ensure_ascii=False)
    jsonl.write_bytes(f"{row}\n".encode("utf-16"))
    articles, unreadable = _read(*sorted(tmp_path.glob("*.txt")), jsonl)
    assert unreadable == [f"{tmp_path / 'noise.txt'}: binary file, not text"]
    assert len(articles) == 4 and all(a.text.strip() == text.strip() for a in articles)
