"""Normalisation table: every spelling variant an Arabic writer produces folds to one form."""

import pytest

from bot.arabic import STOPWORDS, content_tokens, normalize, stem, tokenize, variants


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مُحَمَّدٌ", "محمد"),  # harakat
        ("العـــراق", "العراق"),  # tatweel
        ("أحمد إبراهيم آمال ٱلله", "احمد ابراهيم امال الله"),  # alef variants
        ("مصطفى", "مصطفي"),  # alef maqsura
        ("الدولة", "الدوله"),  # teh marbuta
        ("مؤتمر", "موتمر"),  # hamza on waw
        ("رئيس", "رييس"),  # hamza on yeh
        ("ایران کردستان", "ايران كردستان"),  # Persian yeh and keheh
        ("٢٠٢٤ و۱۳", "2024 و13"),  # Arabic-Indic and Persian digits
        ("بشار\u200fالأسد", "بشارالاسد"),  # bidi mark removed, not a word break
        ("سليـ\u200cـماني", "سليماني"),  # zero-width non-joiner
        ("«داعش»، (ISIS)!", "داعش isis"),  # punctuation folded, Latin lower-cased
        ("الرحمٰن", "الرحمن"),  # superscript alef
        ("ﻻ", "لا"),  # lam-alef ligature (NFKC)
        ("  كم   عدد\nالقوات؟ ", "كم عدد القوات"),  # whitespace
    ],
)
def test_normalize_table(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    text = "أَعلنَت الحكومةُ العراقيّة في ٨ كانون الأول ٢٠٢٤ إغلاقَ الحدود"
    assert normalize(normalize(text)) == normalize(text)


@pytest.mark.parametrize(
    "word",
    [
        "ما",
        "ماذا",
        "متى",
        "كم",
        "هل",
        "لماذا",
        "كيف",
        "أين",
        "شنو",
        "شلون",
        "ليش",
        "وين",
        "منو",
        "شو",
        "ايش",
        "قديش",
        "امتى",
        "اشكد",
    ],
)
def test_question_words_are_stopwords_in_normalised_form(word: str) -> None:
    assert normalize(word) in STOPWORDS


def test_content_tokens_drop_dialect_question_words() -> None:
    assert content_tokens(tokenize(normalize("شلون سقط نظام الأسد؟"))) == ["سقط", "نظام", "الاسد"]


@pytest.mark.parametrize(("word", "expected"), [("والانسحاب", "انسحاب"), ("بالعراق", "عراق"), ("الفصائل", "فصايل")])
def test_light_stem_strips_clitics(word: str, expected: str) -> None:
    assert stem(normalize(word)) == expected


def test_light_stem_keeps_three_letters_and_digits() -> None:
    assert stem("بلد") == "بلد"
    assert stem("2024") == "2024"


def test_variants_offer_the_name_behind_a_clitic() -> None:
    assert "بغداد" in variants(normalize("ببغداد"))
    assert "الاسد" in variants(normalize("للأسد")) or "اسد" in variants(normalize("للأسد"))
