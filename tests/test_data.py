import re

import numpy as np
import pytest
import torch
from conftest import SEEDS

from tematik.data import (
    WindowSettings,
    clean_text,
    make_windows,
    pool_window_scores,
    pool_windows,
)

SEED_TEXT = {seed.name[:3]: seed.read_text(encoding="utf-8") for seed in SEEDS}


def _spaced(text: str) -> str:
    """Whitespace as the cleaner leaves it (no-break spaces and runs become one space)."""
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


# What is page furniture in each seed (everything else is the article proper).
BOILERPLATE = {
    "000": [
        "BACA JUGA: Peluncuran Rudal Antarbenua Korut Picu Peringatan Darurat di Jepang",
        "[lt/uh]",
    ],
    "001": ["loading...", "\nA\n", "(esn)"],
    "002": [
        "Menteri Pertahanan Jepang Jenderal Nakatani dan mitranya dari Korea Selatan Ahn Gyu "
        "Back. (Sumber: AFP)",
        "Sumber: https://baothanhhoa.vn/bo-truong-quoc-phong-nhat-ban-tham-han-quoc-lan-dau-"
        "tien-trong-1-thap-ky-qua-260949.htm",
        "Komentar (0)",
    ],
    "003": [
        "Jepang dan Selandia Baru Menyetujui Perjanjian Berrbagi Intelijen - GenPI.co",
        "Perdana Menteri Jepang Fumio Kishida. Jepang dan Selandia Baru pada Rabu menyetujui "
        "pakta berbagi intelijen ketika para pemimpin mereka berbagi keprihatinan. "
        "Foto: AP Photo/Susan Walsh",
        "BACA JUGA: Satelit Penelitian Iklim Eropa-Jepang Diluncurkan dari California Pakai "
        "Roket SpaceX",
        "BACA JUGA: Zahra Muzdalifah Bongkar Perbedaan Pelatihan di Jepang dengan Timnas Indonesia",
        "BACA JUGA: Pengembangan Roket SpaceX Tidak Pasti, Miliarder Jepang Batalkan "
        "Perjalanan ke Bulan",
        "Silakan baca konten menarik lainnya dari GenPI.co di Google News",
        "Berita Sebelumnya",
        "Berita Selanjutnya",
    ],
    "004": ["KOMENTAR"],
}


def _sentences(text: str) -> list[str]:
    pieces = re.split(r"(?<=[.!?”\"])\s+|\n+", text)
    return [piece.strip() for piece in pieces if len(piece.split()) >= 2]


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
def test_cleaning_keeps_every_sentence_of_the_article(seed):
    raw = _spaced(SEED_TEXT[seed])
    for fragment in BOILERPLATE[seed]:
        assert fragment in raw, f"fixture out of date: {fragment!r}"
        raw = raw.replace(fragment, "\n")
    cleaned = clean_text(SEED_TEXT[seed])
    lost = [sentence for sentence in _sentences(raw) if sentence not in cleaned]
    assert not lost


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
def test_cleaning_removes_the_page_furniture(seed):
    cleaned = clean_text(SEED_TEXT[seed])
    for fragment in BOILERPLATE[seed]:
        assert fragment.strip() not in cleaned.split("\n")
    for marker in (
        "BACA JUGA",
        "loading...",
        "Berita Selanjutnya",
        "(esn)",
        "[lt/uh]",
        "Foto:",
        "Sumber:",
        "KOMENTAR",
        "Komentar (0)",
        "Google News",
    ):
        assert marker not in cleaned


def test_repeated_body_is_kept_once():
    raw, cleaned = SEED_TEXT["001"], clean_text(SEED_TEXT["001"])
    sentence = "Pembicaraan telepon terjadi dua hari setelah Korut menembakkan"
    assert raw.count(sentence) == 2
    assert cleaned.count(sentence) == 1


def test_headline_run_into_a_sentence_loses_the_headline_only():
    cleaned = clean_text(SEED_TEXT["000"])
    assert "Peluncuran Rudal Antarbenua" not in cleaned
    assert "\nKarena Korea Utara meluncurkan rudal balistik dengan kecepatan" in cleaned


def test_a_lone_read_also_link_disappears_whole():
    text = "Kalimat pertama artikel ini.\nBaca juga: Harga Cabai Naik Lagi\nKalimat kedua."
    assert clean_text(text) == "Kalimat pertama artikel ini.\nKalimat kedua."


@pytest.fixture(scope="module")
def tiny_tokenizer(tiny_base_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_base_model)


def test_long_article_is_read_whole_in_overlapping_windows(tiny_tokenizer):
    article = "\n".join(clean_text(text) for text in SEED_TEXT.values())
    settings = WindowSettings(max_length=64, stride=16, pooling="max")
    windows, index = make_windows(tiny_tokenizer, [article, "Menlu bertemu."], settings)
    whole = tiny_tokenizer(article, add_special_tokens=False)["input_ids"]
    assert len(whole) > 10 * settings.max_length
    article_windows = [w[1:-1] for w, i in zip(windows, index, strict=True) if i == 0]
    assert all(len(w) <= settings.max_length - 2 for w in article_windows)
    lengths = [len(w) for w in article_windows]
    assert max(lengths) - min(lengths) < len(lengths), "no short tail window"
    stitched = article_windows[0] + [t for w in article_windows[1:] for t in w[settings.stride :]]
    assert stitched == whole
    last_words = tiny_tokenizer.decode(article_windows[-1])
    assert tiny_tokenizer.decode(whole[-5:]) in last_words
    assert index.count(1) == 1


@pytest.mark.parametrize("pooling", ["max", "mean"])
def test_numpy_pooling_for_scoring_equals_the_torch_pooling_of_training(pooling):
    generator = np.random.default_rng(0)
    text_index = sorted(generator.integers(0, 5, size=17).tolist())
    n_texts = text_index[-1] + 1
    assert set(text_index) == set(range(n_texts))
    logits = generator.normal(size=(17, 4)).astype(np.float32)
    expected = pool_windows(torch.from_numpy(logits), torch.tensor(text_index), n_texts, pooling)
    np.testing.assert_allclose(
        pool_window_scores(logits, text_index, n_texts, pooling), expected.numpy(), atol=1e-6
    )


def test_window_logits_combine_by_max_or_mean():
    logits = torch.tensor([[0.1, 0.9], [0.7, 0.2], [0.4, 0.4]])
    index = torch.tensor([0, 0, 1])
    torch.testing.assert_close(
        pool_windows(logits, index, 2, "max"), torch.tensor([[0.7, 0.9], [0.4, 0.4]])
    )
    torch.testing.assert_close(
        pool_windows(logits, index, 2, "mean"), torch.tensor([[0.4, 0.55], [0.4, 0.4]])
    )
