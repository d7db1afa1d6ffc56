"""The index keys of brief texts, for one index build: each distinct word analysed once.

A text's keys are its tokens, their light stems (not for the words of names, which are
protected), and the synonym groups it mentions, less stopwords. At 10,000 briefs a build
meets 3.5 million words in 313,000 texts but only about 9,000 distinct ones, and real text,
however varied, repeats its words too. So each word is normalised, stemmed and interned once,
and a text's keys are a union of its words' key tuples, taken in C; only a text with a word
that starts a multi-word synonym spelling is scanned for spans token by token.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Sequence, Set
from itertools import chain
from typing import TypeVar

from bot.arabic import STOPWORDS, Words, stem
from bot.synonyms import Synonyms

_T = TypeVar("_T")


class _Memo(dict[str, _T]):
    """A dict that computes a missing entry on first lookup, so ``map(memo.__getitem__, …)`` stays in C."""

    def __init__(self, compute: Callable[[str], _T]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: str) -> _T:
        value = self[key] = self._compute(key)
        return value


class TextKeys:
    """Index keys of texts under one set of protected name words and synonyms."""

    def __init__(self, words: Words, protected: Set[str], synonyms: Synonyms) -> None:
        self.words = words
        self.synonyms = synonyms
        self._protected = protected
        self._of_token = _Memo(self._token_keys)
        self._of_word = _Memo(self._word_keys)
        self._phrase_words: set[str] = set()  # words with a token that starts a multi-word spelling
        self._shared: dict[frozenset[str], frozenset[str]] = {}
        self._of_name_word = _Memo(self._name_word_keys)

    def of_text(self, text: str) -> set[str]:
        """The text's tokens, their light stems unless a name's word, and its synonym groups, less stopwords."""
        words = text.split()
        keys = set(chain.from_iterable(map(self._of_word.__getitem__, words)))
        if self._phrase_words.isdisjoint(words):
            return keys  # every synonym span is one word, and each word's keys hold its one-word groups
        toks = list(chain.from_iterable(map(self.words.of.__getitem__, words)))
        phrases = self.synonyms.phrase_spans(toks)
        if not phrases:
            return keys
        # A word inside a longer spelling stands for that spelling's group, not for its own one-word
        # group: drop such a group, unless a word outside the spellings has it too.
        single = self.synonyms.single
        inside = [single[t] for start, end, _ in phrases for t in toks[start:end] if t in single]
        if inside:
            everywhere = list(filter(None, map(single.get, toks)))
            keys.difference_update([g for g in set(inside) if everywhere.count(g) == inside.count(g)])
        keys.update(key for _, _, key in phrases)
        return keys

    def of_name_words(self, toks: Sequence[str]) -> tuple[frozenset[str], ...]:
        """Per content word of a name, the keys that match it: the word and the groups of the spans over it.

        Names share their words, so equal sets are one object: at 10,000 briefs, 430,000 sets
        were about half of all the objects the garbage collector had to walk after a build.
        """
        phrases = self.synonyms.phrase_spans(toks)
        if not phrases:  # a word's spans are its own one-word spelling at most
            return tuple(map(self._of_name_word.__getitem__, [t for t in toks if t not in STOPWORDS]))
        groups: dict[int, set[str]] = defaultdict(set)
        for start, end, key in self.synonyms.spans(toks, phrases):
            for j in range(start, end):
                groups[j].add(key)
        words = (frozenset({t, *groups[j]}) for j, t in enumerate(toks) if t not in STOPWORDS)
        return tuple(self._shared.setdefault(keys, keys) for keys in words)

    def _token_keys(self, tok: str) -> tuple[str, ...]:
        """The token and its light stem (a name's word keeps its ending), less stopwords; interned."""
        # Interned: every fact's key set holds the same few thousand words, not copies of them.
        own = {tok} if tok in self._protected else {tok, stem(tok)}
        return tuple(sys.intern(k) for k in own - STOPWORDS)

    def _word_keys(self, word: str) -> tuple[str, ...]:
        """A word's tokens' own keys and one-word synonym groups; notes a word that may start a phrase."""
        toks = self.words.of[word]
        if not self.synonyms.longer.keys().isdisjoint(toks):
            self._phrase_words.add(word)
        single = self.synonyms.single
        own = chain.from_iterable(map(self._of_token.__getitem__, toks))
        return tuple(dict.fromkeys(chain(own, (single[t] for t in toks if t in single))))

    def _name_word_keys(self, tok: str) -> frozenset[str]:
        group = self.synonyms.single.get(tok)
        keys = frozenset({tok} if group is None else {tok, group})
        return self._shared.setdefault(keys, keys)
