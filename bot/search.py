"""Arabic-aware search over one snapshot of briefs.

Candidates come from an inverted index (so per-query work stays small as briefs grow);
each query term may match by exact key, a light-stemmed form, a synonym group, or a fuzzy
(typo-tolerant) vocabulary entry. A brief's score is the share of the question it explains,
weighted by how informative each term is (idf) and where it matched (a name counts more than
a passing mention in a fact). Whether the top brief is *the* answer is decided like Rasa's
fallback: a minimum score and a minimum gap to the runner-up.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.arabic import STOPWORDS, Words, content_tokens, normalize, stem, tokenize, variants
from bot.briefs import Snapshot
from bot.keys import TextKeys
from bot.postings import Groups, Postings
from bot.schema import Brief, Fact
from bot.synonyms import Synonyms

Decision = Literal["found", "ambiguous", "not_found"]

# Where a term matched, as a share of full credit.
W_NAME = 1.0  # title or alias
W_QUESTION = 0.8
W_TAG = 0.6
W_SUMMARY = 0.5
W_FACT = 0.4
W_EVIDENCE = 0.3  # the document's own words, for users who quote it

# How a brief's score is made (shares of 1): coverage of the question anywhere in the brief,
# where it matched (name > question > tag > summary > fact), and the best single unit.
S_COVERAGE = 0.50
S_PLACE = 0.20
S_UNIT = 0.15  # the best single fact
S_NAME = 0.15  # how exactly the question is one of the brief's names (both ways)
RERANK = 30  # how many stage-1 candidates get the finer stage-2 score

FOUND_SCORE = 0.5  # the top brief must explain at least this share of the question…
FOUND_GAP = 0.01  # …and lead the runner-up by this much
SUGGEST_SCORE = 0.3  # below this a brief is not even worth suggesting
IDF_POWER = 0.5  # <1 flattens idf: in a small corpus, rare is not the same as informative
FUZZY_PENALTY = 0.85  # a typo-corrected term earns this share of an exact one
FUZZY_MIN_LENGTH = 4  # three-letter words are too close to too many others to correct
UNKNOWN_WEIGHT = 1.0  # an unknown word weighs this share of the rarest known word
MIN_COVERAGE = 0.65  # a found brief must mention at least this share of the question
# Characters of a question that are searched. Questions are sentences; a 4096-character message
# of unknown words would cost up to 0.3 s of fuzzy matching, stalling every chat on the event loop.
MAX_QUERY = 512

_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")

# Question words that tell what kind of fact is wanted (normalised forms).
_WHEN = frozenset(normalize(w) for w in "متى متي امتى إمتى ايمتى امتي شوكت when".split())
_COUNT_FILLERS = frozenset(normalize(w) for w in "عدد يبلغ بلغ تبلغ بلغت مجموع اجمالي إجمالي كان كانت".split())
_HOW_MANY = frozenset(normalize(w) for w in "كم قديش اشكد شكد جم چم عدد how many much".split())
# «كم مرة» counts occurrences: the answer is the dated events themselves, not a stated figure.
_TIMES = frozenset(normalize(w) for w in "مرة مرات times".split())


@dataclass(frozen=True)
class Term:
    """One unit of the question: the index keys that satisfy it and how much it matters."""

    text: str
    keys: tuple[str, ...]
    weight: float
    fuzzy: bool = False

    @cached_property
    def keyset(self) -> frozenset[str]:
        return frozenset(self.keys)

    @cached_property
    def credit(self) -> float:
        """What matching this term earns: its weight, less for a typo-corrected match."""
        return self.weight * (FUZZY_PENALTY if self.fuzzy else 1.0)


@dataclass(frozen=True)
class Hit:
    """A brief with its score and its facts ordered best-first for this query."""

    brief: Brief
    score: float
    facts: tuple[Fact, ...]
    matched_facts: int
    coverage: float  # share of the question's weight this brief mentions anywhere


@dataclass(frozen=True)
class Result:
    """Everything a caller (renderer, /why) needs to know about one search."""

    query: str
    normalized: str
    terms: tuple[Term, ...]
    hits: tuple[Hit, ...]
    decision: Decision
    rule: str

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


class Index:
    """An inverted index over one snapshot; build once per snapshot, query many times."""

    def __init__(self, snapshot: Snapshot, synonyms: Synonyms, previous: Index | None = None) -> None:
        """Index a snapshot; ``previous``, the index this one replaces, lends what it knows of unchanged briefs.

        A reload usually follows an edit to a few briefs of many: a brief whose fields, whose words'
        protection as name words, and the synonyms are all as ``previous`` had them has the same keys,
        weights and fact and name keys, so they are taken from ``previous`` instead of worked out again.
        """
        self.snapshot = snapshot
        self.synonyms = synonyms
        self.briefs = snapshot.briefs
        self._position = {b.id: i for i, b in enumerate(self.briefs)}
        self._fact_keys: list[list[frozenset[str]]] = []
        self._names: list[list[tuple[tuple[frozenset[str], ...], frozenset[str]]]] = []
        words = Words()
        names = [[words.tokens(n) for n in (b.title, *b.aliases)] for b in self.briefs]
        self.protected: set[str] = {t for of_brief in names for toks in of_brief for t in toks}
        reused = self._unchanged(previous) if previous is not None else {}
        keys = TextKeys(words, self.protected, synonyms)
        per_brief: list[Groups] = []
        for i, (b, toks) in enumerate(zip(self.briefs, names, strict=True)):
            j = reused.get(i)
            if previous is not None and j is not None:
                self._names.append(previous._names[j])
                self._fact_keys.append(previous._fact_keys[j])
                per_brief.append(())
            else:
                per_brief.append(self._add_brief(keys, b, toks))
        self._postings: Postings = Postings(per_brief, (previous._postings, reused) if previous is not None else None)
        n = max(len(self.briefs), 1)
        self._idf = {k: math.log(1 + n / self._postings.frequency(k)) ** IDF_POWER for k in self._postings}
        self._max_idf = math.log(1 + n) ** IDF_POWER
        self.vocabulary = sorted(k for k in self._postings if not k.startswith("~") and not k.isdigit())
        self._near: dict[tuple[int, int], tuple[list[str], npt.NDArray[np.uint64]]] = {}
        self._numbered: dict[int, tuple[bool, ...]] = {}  # per brief, which facts hold a digit
        self._short_names = sorted(k for k in self.protected if k in self._postings and len(k) == FUZZY_MIN_LENGTH)

    # -- building -----------------------------------------------------------------------------
    def _unchanged(self, previous: Index) -> dict[int, int]:
        """The briefs whose analysis in ``previous`` stands: each one's position here → its position there.

        A brief's analysis changes with a word of it that became or stopped being a name's word
        (names keep their endings), and with a synonym spelling it holds that was added, removed or
        moved to another group. Either way the brief has that word, or every word of that spelling,
        among its keys, except stopwords: the previous postings of one such word name the briefs to
        analyse again (all of them when there is no such word).
        """
        old, new = previous.synonyms.phrases, self.synonyms.phrases
        spellings = [p for p in old.keys() | new.keys() if old.get(p) != new.get(p)]
        marks = [[w] for w in previous.protected ^ self.protected] + [list(p) for p in spellings]
        touched: set[int] = set()
        for words in marks:
            held = [w for w in words if w not in STOPWORDS]
            if not held:
                return {}
            rarest = min(held, key=lambda w: previous._postings.frequency(w) if w in previous._postings else 0)
            if rarest in previous._postings:
                touched.update(previous._postings.matches((rarest,))[0].tolist())
        out = {}
        for i, b in enumerate(self.briefs):
            j = previous._position.get(b.id)
            if j is not None and j not in touched and (previous.briefs[j] is b or previous.briefs[j] == b):
                out[i] = j
        return out

    def _add_brief(self, keys: TextKeys, b: Brief, names: Sequence[Sequence[str]]) -> list[tuple[float, set[str]]]:
        """The brief's keys grouped by their best field weight; records its names' and facts' keys on the way."""
        name_keys = []
        words = []
        for name, toks in zip((b.title, *b.aliases), names, strict=True):
            name_keys.append(keys.of_text(name))
            words.append(keys.of_name_words(toks))
        self._names.append([(tokens, frozenset().union(*tokens)) for tokens in words])
        stated = []
        for f in b.facts:
            fact = keys.of_text(f.text)
            if f.date:
                fact.add(f.date[:4])
            stated.append(fact)
        quoted = [keys.of_text(f.evidence) for f in b.facts]
        self._fact_keys.append([frozenset(s | q) for s, q in zip(stated, quoted, strict=True)])
        fields = [
            (W_NAME, set().union(*name_keys)),
            (W_QUESTION, set().union(*map(keys.of_text, b.questions))),
            (W_TAG, set().union(*map(keys.of_text, b.tags))),
            (W_SUMMARY, keys.of_text(b.summary)),
            (W_FACT, set().union(*stated)),
            (W_EVIDENCE, set().union(*quoted)),
        ]
        # From the heaviest field down, each key goes with the first field that has it: its best weight.
        seen: set[str] = set()
        grouped = []
        for weight, field in fields:
            field -= seen
            seen |= field
            grouped.append((weight, field))
        return grouped

    # -- querying -----------------------------------------------------------------------------
    def terms(self, query: str) -> tuple[str, tuple[Term, ...]]:
        """Normalise a question and turn it into weighted terms (synonym phrases first, then words)."""
        norm = normalize(query)
        toks = tokenize(norm)
        spans = {start: (end, key) for start, end, key in self.synonyms.spans(toks)}
        out: list[Term] = []
        i = 0
        while i < len(toks):
            if i in spans:
                end, key = spans[i]
                if key in self._postings:
                    out.append(Term(" ".join(toks[i:end]), (key,), self._idf[key]))
                i = end
                continue
            if content_tokens(toks[i : i + 1]):
                out.append(self._term(toks[i]))
            i += 1
        return norm, tuple(out)

    def _term(self, tok: str) -> Term:
        # The word itself, its light stem, and each clitic-stripped form («بالعراق» → «العراق»),
        # as far as the index knows them; a stripped form may also be a one-word synonym. A word
        # of a name keeps its ending: «والسوداني» is «السوداني», not «السودان».
        name = tok in self.protected and tok in self._postings
        stripped = variants(tok, suffixes=False) if name else [stem(tok), *variants(tok)]
        keys = [f for f in dict.fromkeys((tok, *stripped)) if f in self._postings][:4]
        keys += [k for f in stripped if (k := self.synonyms.single.get(f)) and k in self._postings]
        if keys:
            keys = list(dict.fromkeys(keys))
            return Term(tok, tuple(keys), max(self._idf[k] for k in keys))
        fuzzy = self._fuzzy(tok)
        if fuzzy:
            return Term(tok, fuzzy, max(self._idf[k] for k in fuzzy), fuzzy=True)
        # An unknown word still counts: a question about something no brief mentions is out of
        # scope. It weighs less than a rare known word, because many unknown words are fillers.
        return Term(tok, (), self._max_idf * UNKNOWN_WEIGHT)

    def _fuzzy(self, tok: str) -> tuple[str, ...]:
        """Vocabulary words within one edit (two for long words): a slipped key or a swapped letter."""
        if tok.isdigit() or len(tok) < FUZZY_MIN_LENGTH - 1:
            return ()
        if len(tok) < FUZZY_MIN_LENGTH:
            # A short word is corrected only to a longer name it misses a letter of («رسل» → «رسول»).
            return tuple(k for k in _nearest(tok, self._short_names, 1) if len(k) > len(tok))
        edits = 1 if len(tok) <= 7 else 2
        words, letters = self._lengths_near(len(tok), edits)
        # Each slip changes at most two letters of a word's letter set, so words whose sets differ
        # more cannot be near: a vector test leaves the edit distance a few dozen words to check.
        near = np.flatnonzero(np.bitwise_count(letters ^ _letters(tok)) <= 2 * edits)
        return _nearest(tok, [words[j] for j in near.tolist()], edits)

    def _lengths_near(self, length: int, edits: int) -> tuple[list[str], npt.NDArray[np.uint64]]:
        """Vocabulary words a word of this length can reach in ``edits`` slips, in order, with their letter sets."""
        found = self._near.get((length, edits))
        if found is None:
            words = [w for w in self.vocabulary if abs(len(w) - length) <= edits]
            found = (words, np.array([_letters(w) for w in words], dtype=np.uint64))
            self._near[(length, edits)] = found
        return found

    def search(self, query: str, limit: int = 5, kinds: Collection[str] | None = None) -> Result:
        """Rank briefs for a question and decide whether the best one answers it.

        ``kinds`` keeps only briefs of those kinds (``/who``: people, organisations, places)
        before deciding, so the same score, gap and coverage rules apply among them. Only the
        first ``MAX_QUERY`` characters of a question are searched (cut at a space).
        """
        query = _clipped(query)
        norm, terms = self.terms(query)
        total = sum(t.weight for t in terms)
        if not terms or total == 0:
            return Result(query, norm, terms, (), "not_found", "no searchable words in the question")
        # Stage 1: coverage (how much of the question a brief mentions anywhere) and field
        # weight (where), accumulated from the postings of each term's keys.
        coverage = np.zeros(len(self.briefs))
        placed = np.zeros(len(self.briefs))
        for t in terms:
            if t.keys:
                ids, weights = self._postings.matches(t.keys)
                coverage[ids] += t.credit
                placed[ids] += t.credit * weights
        first = _top(0.6 * coverage + 0.4 * placed, np.flatnonzero(coverage), RERANK)
        # Stage 2, for the few best: how much of the question one unit (the name, or a single
        # fact) explains on its own — a question answered in one place beats scattered mentions.
        # A brief's score can be no more than if one fact and its name held all it covers; once
        # ``limit`` briefs score above the next one's ceiling, the rest cannot make the list.
        pool = [i for i in first if kinds is None or self.briefs[i].kind in kinds]
        ceiling = {i: float((S_COVERAGE + S_UNIT + S_NAME) * coverage[i] + S_PLACE * placed[i]) / total for i in pool}
        asked = frozenset().union(*(t.keyset for t in terms))
        scored: list[tuple[float, int]] = []
        kept: list[float] = []  # the ``limit`` best scores so far, lowest first (a heap)
        for i in sorted(pool, key=lambda i: (-ceiling[i], i)):
            if len(kept) == limit and ceiling[i] + 1e-9 < kept[0]:
                break
            unit = max(self._fact_coverage(i, terms), default=0.0)
            score = float(S_COVERAGE * coverage[i] + S_PLACE * placed[i] + S_UNIT * unit) / total
            score += S_NAME * self._name_match(i, terms, asked, total)
            scored.append((score, i))
            (heapq.heappushpop if len(kept) == limit else heapq.heappush)(kept, score)
        scored.sort(key=lambda si: (-si[0], si[1]))
        tokens = tokenize(norm)
        wants_date = any(w in _WHEN for w in tokens)
        wants_number = any(w in _HOW_MANY for w in tokens)
        hits = tuple(
            self._hit(i, score, float(coverage[i]) / total, terms, wants_date, wants_number)
            for score, i in scored[:limit]
            if score >= SUGGEST_SCORE
        )
        decision, rule = _decide(hits)
        if decision != "not_found":
            # Of the briefs in contention (the top one, or all tied with it), keep those that can
            # answer what is asked: none → «لم أجد»; a tie with only one left → that one.
            counted = _asked(tokens, terms, _HOW_MANY) if wants_number else None
            event = _asked(tokens, terms, _WHEN) if wants_date else None
            tied = [h for h in hits if hits[0].score - h.score < FOUND_GAP] if decision == "ambiguous" else [hits[0]]
            reasons = [self._unanswered(h, wants_date, wants_number, counted, event) for h in tied]
            answering = [h for h, reason in zip(tied, reasons, strict=True) if reason is None]
            if not answering:
                decision, rule = "not_found", reasons[0] or rule
            elif decision == "ambiguous" and len(answering) == 1:
                best = answering[0]
                hits = (best, *(h for h in hits if h is not best))
                decision, rule = "found", f"the only one of {len(tied)} tied briefs that answers the question"
        return Result(query, norm, terms, hits, decision, rule)

    def _unanswered(
        self, hit: Hit, wants_date: bool, wants_number: bool, counted: Term | None, event: Term | None
    ) -> str | None:
        """Why the top brief, though about the right subject, does not answer the question.

        Too much of the question unexplained means it asks something the brief does not say
        («كم عمر المالكي» finds Maliki, but nothing about his age). «كم» needs a fact with a
        figure that speaks of the thing counted («كم جندي» → a fact with a number and «جندي»);
        «متى» needs a matching fact with a date.
        """
        if hit.coverage < MIN_COVERAGE:
            return f"the brief covers only {hit.coverage:.0%} of the question (< {MIN_COVERAGE:.0%})"
        matching = hit.facts[: hit.matched_facts] or hit.facts
        if wants_number and counted is not None and counted.text in _TIMES:
            wants_number, wants_date = False, True
        if wants_number:
            counts = [f for f in matching if _has_count(f.text)]
            if not counts:
                return "a figure is asked for, and no matching fact has one"
            if counted is not None:
                i = self._position[hit.brief.id]
                keys_of = dict(zip(hit.brief.facts, self._fact_keys[i], strict=True))
                if not any(not keys_of[f].isdisjoint(counted.keyset) for f in counts):
                    return f"no fact gives a figure for «{counted.text}»"
        if wants_date:
            dated = [f for f in matching if f.date or _YEAR.search(f.text)]
            if not dated:
                return "a date is asked for, and no matching fact has one"
            if event is not None and not event.keys:
                return f"a date is asked for «{event.text}», which no brief speaks of"
        return None

    def _fact_coverage(self, i: int, terms: Sequence[Term]) -> Iterable[float]:
        for keys in self._fact_keys[i]:
            yield sum(t.credit for t in terms if not keys.isdisjoint(t.keyset))

    def _name_match(self, i: int, terms: Sequence[Term], asked: frozenset[str], total: float) -> float:
        """Best name by share of the question it covers × share of the name the question covers.

        «سليماني» is all of the name «سليماني» but half of «مقتل سليماني»: the person wins.
        """
        best = 0.0
        for tokens, union in self._names[i]:
            if not tokens or asked.isdisjoint(union):
                continue
            covered = sum(1 for keys in tokens if not keys.isdisjoint(asked))
            recall = sum(t.credit for t in terms if not union.isdisjoint(t.keyset)) / total
            best = max(best, recall * covered / len(tokens))
        return best

    def _hit(
        self, i: int, score: float, coverage: float, terms: Sequence[Term], wants_date: bool, wants_number: bool
    ) -> Hit:
        brief = self.briefs[i]
        numbered = self._numbered.get(i)
        if numbered is None:
            numbered = self._numbered[i] = tuple(any(ch.isdigit() for ch in f.text) for f in brief.facts)
        scored = []
        for pos, (fact, keys) in enumerate(zip(brief.facts, self._fact_keys[i], strict=True)):
            s = sum(t.weight for t in terms if not keys.isdisjoint(t.keyset))
            if s and wants_date and fact.date:
                s += 0.5
            if s and wants_number and numbered[pos]:
                s += 0.5
            scored.append((s, pos, fact))
        scored.sort(key=lambda x: (-x[0], x[1]))
        matched = sum(1 for s, _, _ in scored if s > 0)
        return Hit(brief, round(score, 4), tuple(f for _, _, f in scored), matched, round(coverage, 4))


def _nearest(word: str, vocabulary: Sequence[str], edits: int) -> tuple[str, ...]:
    """Up to three words within ``edits`` typing slips (a swapped pair of letters is one)."""
    found = process.extract(word, vocabulary, scorer=OSA.distance, processor=None, score_cutoff=edits, limit=3)
    return tuple(k for k, _, _ in found)


def _clipped(query: str) -> str:
    if len(query) <= MAX_QUERY:
        return query
    cut = query[:MAX_QUERY]
    return cut.rsplit(None, 1)[0] if " " in cut.strip() else cut


def _letters(word: str) -> int:
    """The set of a word's letters as a 64-bit mask (letters may share a bit: the test stays safe)."""
    mask = 0
    for ch in word:
        mask |= 1 << (ord(ch) & 63)
    return mask


def _top(key: npt.NDArray[np.float64], candidates: npt.NDArray[np.intp], k: int) -> list[int]:
    """The ``k`` candidates with the highest key (ties to the earlier brief), best first."""
    if len(candidates) > k:
        # argpartition finds the k-th best; everything tied with it stays in, so ties break by position.
        kth = np.partition(key[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[key[candidates] >= kth]
    order = sorted(candidates.tolist(), key=lambda i: (-key[i], i))
    return order[:k]


def _has_count(text: str) -> bool:
    """Whether a text states a figure other than a year (a «كم» question wants a count or amount)."""
    return any(not (1950 <= int(n) <= 2030) or n == "2000" for n in _NUMBER.findall(text))


def _asked(tokens: Sequence[str], terms: Sequence[Term], question_words: frozenset[str]) -> Term | None:
    """What a «كم»/«متى» question is about: the first content word after it («كم جنديًا…» → جنديا)."""
    start = next((n for n, w in enumerate(tokens) if w in question_words), None)
    if start is None:
        return None
    for w in tokens[start + 1 :]:
        if w in question_words or w in _COUNT_FILLERS or w in STOPWORDS:
            continue
        return next((t for t in terms if w in t.text.split()), None)
    return None


def _decide(hits: Sequence[Hit]) -> tuple[Decision, str]:
    if not hits or hits[0].score < FOUND_SCORE:
        top = hits[0].score if hits else 0.0
        return "not_found", f"top score {top:.2f} < {FOUND_SCORE}"
    if len(hits) > 1 and hits[0].score - hits[1].score < FOUND_GAP:
        return "ambiguous", f"gap {hits[0].score - hits[1].score:.2f} < {FOUND_GAP} between the top two"
    return "found", f"top score {hits[0].score:.2f} ≥ {FOUND_SCORE} and gap ≥ {FOUND_GAP}"
