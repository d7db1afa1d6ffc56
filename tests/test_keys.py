"""The index build's shortcuts give exactly what the plain definitions give.

An index build normalises each distinct word once (``Words``), scans for synonym spans only where
a longer spelling can start (``Synonyms.spans``), and takes a text's keys, and a name's keys per
word, from per-word analyses (``TextKeys``). Each is checked here against the straightforward
definition it replaces, on the shipped briefs' texts and on generated text built to hit the corners.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from bot.arabic import STOPWORDS, Words, normalize, stem, tokenize
from bot.briefs import load
from bot.keys import TextKeys
from bot.synonyms import Span, Synonyms
from tests.conftest import ROOT, SEEDS, SYNONYMS

# Characters where normalising word by word could differ from normalising the whole text, if it did:
# every kind of whitespace, combining marks and what they compose with, compatibility forms that
# contain a space (ﹰ is a space and a fathatan), a final sigma, Hangul jamo, invisible controls.
_TRICKY = (
    " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"
    "\u0301\u0308\u0327\u0345\u064b\u0651\u0670\u0654\u0655\u00a8\ufe70\ufe72\ufef5\ufefb"
    "eEaAoOcCΣσΑι\u1100\u1161\u11a8\uac00\u200b\u200c\u200d\u200f\u061c\u00ad\u0640"
    "اأإآبةهوؤيىئلكک٣۳_-.،«»"
)


def _spans(synonyms: Synonyms, tokens: Sequence[str]) -> list[Span]:
    """The plain left-to-right scan: at each token, the longest spelling that starts there."""
    longest = max(map(len, synonyms.phrases), default=0)
    out: list[Span] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            key = synonyms.phrases.get(tuple(tokens[i : i + size]))
            if key:
                out.append((i, i + size, key))
                i += size
                break
        else:
            i += 1
    return out


def _name_words(synonyms: Synonyms, toks: Sequence[str]) -> list[frozenset[str]]:
    """Per content word, the word and the groups of the spans that cover it."""
    spans = _spans(synonyms, toks)
    return [frozenset({t, *(k for a, b, k in spans if a <= j < b)}) for j, t in enumerate(toks) if t not in STOPWORDS]


def _keys(synonyms: Synonyms, protected: set[str], text: str) -> set[str]:
    """A text's tokens, the light stems of those not in a name, and its synonym groups, less stopwords."""
    toks = tokenize(normalize(text))
    keys = set(toks) | {stem(t) for t in toks if t not in protected}
    keys |= {key for _, _, key in _spans(synonyms, toks)}
    return keys - STOPWORDS


@given(st.text(alphabet=_TRICKY, max_size=40) | st.text(max_size=40))
def test_words_tokenises_as_normalize(text: str) -> None:
    words = Words()
    assert words.tokens(text) == tokenize(normalize(text))
    assert words.normalize(text) == normalize(text)
    assert words.tokens(text) == tokenize(normalize(text))  # again, from the cache


def test_spans_and_keys_match_the_plain_definitions() -> None:
    synonyms = Synonyms.load(SYNONYMS)
    shipped = load(ROOT / "briefs", SEEDS).briefs
    protected = {t for b in shipped for name in (b.title, *b.aliases) for t in tokenize(normalize(name))}
    texts = [
        text
        for b in shipped
        for text in (b.title, *b.aliases, *b.questions, *b.tags, b.summary, *(f.text for f in b.facts))
    ]
    # Generated text: words of multi-word spellings (so spans overlap and compete), one-word synonyms
    # inside them, names, stopwords, clitics, and words glued by punctuation into one whitespace word.
    rng = random.Random(20241208)
    pool = [w for phrase in synonyms.phrases for w in phrase] + sorted(protected) + sorted(STOPWORDS)
    pool += [w for text in texts[:200] for w in text.split()]

    def word() -> str:
        w = rng.choice(["", "", "", "و", "بال", "ل"]) + rng.choice(pool)
        return w + rng.choice(["،", "»", "-", "\u0651"]) + rng.choice(pool) if rng.random() < 0.1 else w

    texts += [" ".join(word() for _ in range(rng.randint(0, 20))) for _ in range(3000)]
    keys = TextKeys(Words(), protected, synonyms)
    for text in texts:
        toks = tokenize(normalize(text))
        assert synonyms.spans(toks) == _spans(synonyms, toks), text
        assert keys.of_text(text) == _keys(synonyms, protected, text), text
        assert list(keys.of_name_words(toks)) == _name_words(synonyms, toks), text
