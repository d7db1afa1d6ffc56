"""Arabic text normalisation, tokenisation and light stemming.

One normaliser serves briefs (once, at load) and queries (per message), so both
sides always agree on spelling variants. Rules follow Lucene's ArabicNormalizer
and CAMeL Tools' ``normalize_*`` helpers; see ``tests/test_arabic.py`` for the table.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain

# Characters writers add or omit freely: harakat, superscript alef, Quranic marks, tatweel.
_STRIP = (
    "".join(chr(c) for c in range(0x064B, 0x0660))  # fathatan .. sukun, maddah, hamza marks
    + "\u0670"  # superscript alef
    + "".join(chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06DD, 0x06DE, 0x06E5, 0x06E6, 0x06E9))
    + "".join(chr(c) for c in range(0x0610, 0x061B))  # Quranic signs
    + "\u0640"  # tatweel
    # zero-width and bidi controls: invisible, but they split words
    + "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
    + "".join(chr(c) for c in range(0x202A, 0x202F))
    + "".join(chr(c) for c in range(0x2066, 0x206A))
    + "\u061c\u00ad"
)

_FOLD = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ی": "ي",  # Persian yeh
    "ۍ": "ي",
    "ې": "ي",
    "ک": "ك",  # Persian keheh
    "ڪ": "ك",
    "ە": "ه",  # Kurdish ae
    "ۀ": "ه",
    "ھ": "ه",
    "ﻻ": "لا",
}
for _i in range(10):
    _FOLD[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
    _FOLD[chr(0x06F0 + _i)] = str(_i)  # Persian (extended) digits

_TABLE: dict[int, str | None] = {ord(c): None for c in _STRIP}
_TABLE.update({ord(k): v for k, v in _FOLD.items()})

# Anything that is not a letter or digit of any script becomes a space.
_NON_WORD = re.compile(r"[^\w]+|_+")


def normalize(text: str) -> str:
    """Fold the spelling variants of Arabic text into one form, lower-cased, one space between words."""
    # NFKC first: it turns presentation forms (ﺃ, ﻻ…) into the letters the table folds.
    text = unicodedata.normalize("NFKC", text).translate(_TABLE).lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def fold_whitespace(text: str) -> str:
    """Collapse runs of whitespace, for comparing quotes that were re-wrapped."""
    return " ".join(text.split())


_STOPWORDS_RAW = """
ما ماذا متى متي كم من هل لماذا لما ليش ليه كيف شلون شلونه اين أين وين فين منو مين شو ايش إيش
شنو شنهو شني قديش قديه امتى إمتى اشكد شكد اشقد جم چم ايمتى وش ويش
في على عن الى إلى إلي الي مع من منذ حتى بين عند لدى قبل بعد خلال حول ضد نحو
و او أو ثم ف ب ل ك لا لم لن ان أن إن كان كانت يكون تكون قد لقد هو هي هم هن هما انا أنا نحن انت
هذا هذه ذلك تلك هذي هاي هاذ هذول هؤلاء اللي الذي التي الذين اللذين اللتين
اي أي أية ايه كل بعض غير جدا يعني طيب لو سمحت ممكن رجاء رجاءا ابي أبي ابغى أبغى بدي اريد أريد عايز
اخبرني أخبرني احكيلي قلي قل لي عرفني عطني اعطني خبرني وضح اشرح
عن شي شيء اشي هسه هسع هلق الحين الان الآن ذي ده دي
تعرف تعرفين معلومات معلومه عطيني شنو سالفة سالفه قصه قصة
موضوع بخصوص بشان بشأن حكايه حكاية
صار صارت صاروا يصير تصير راح رح بدو بدها بدهم عم ديحاول دي كلش هواية هوايه زين كثير شوية شويه
سوى سوت سووا شسوى شسوت شسووا شساوى يسوي تسوي يسوون شگال شكال شقال يخلي تخلي خلى خلت خلوا
كال يكول كالوا جان جانت كان كانوا يعني بس هم اصلا اصلًا حتى علمود لان لأن عشان مشان حسب بحسب مثل شي لسه لسا بعدها بعده
ليش ليه وشلون شلونها اشلون علاش لاش تبع
فيه فيها بيه بيها عليه عليها منه منها له لها لهم بهم فيهم
the a an of in on at to is are was were be been being what who whom whose when where why how which about
tell me please do does did done has have had will would can could should shall may might must
and or but with without from for by as into onto than then that this these those there here it its
they them their theirs he him his she her we our you your i my mine not no yes
any some many much more most very just also only still yet ever again longer anymore
coming come came go goes going get got make made say says said tell told
after before during since until till between against among within across over under toward towards
via per upon through throughout around near along off out up down
if whether because so such both either neither each every other another same own too like
s t d ll re ve m isn aren wasn weren doesn didn don won wouldn couldn shouldn hasn haven hadn
whats whos hows wheres whens whys theres lets let myself yourself itself himself herself themselves
anything something everything nothing someone anyone everyone thing things whatever whoever
know knows knew explain happen happened happens happening give gave show list thanks thank
hi hello hey ok okay really actually exactly according regarding concerning including etc vs
ويا وياه وياها وياهم ويانا اكو ماكو فد شكو مو مش مب موب هيج هيچ هيك جذي چذي كذا هاد هادا هادي هدول
هذولا هاذي هيدا هيدي وايد كتير شوي ياخي اخوي بليز شقد شكثر قداش اديش كديش شوكت امتا ايمتا منين
لوين وينه وينها وينهم گلي احچيلي لازم ضده ضدها ضدهم معه معها معهم عنه عنها عنهم
يا انو إنو انه أنه إنه بانه لانه وانه عندو عنده عندها عندهم محد ماحد
تعني معنى معني عبارة مصطلح أهمية اهمية mean means meaning importance significance
"""

STOPWORDS: frozenset[str] = frozenset(normalize(w) for w in _STOPWORDS_RAW.split())

# Attached clitics stripped by light stemming (longest first). Conservative on purpose:
# aggressive stemmers eat root letters (بغداد -> غداد), so names are protected by the caller.
_PREFIXES = ("وبال", "فبال", "وكال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل")
_SUFFIXES = ("هما", "كما", "ها", "هم", "هن", "كم", "نا", "ات", "ون", "ين", "ان", "يه", "ه", "ي")
_MIN_STEM = 3  # after removing a prefix (الحرب -> حرب)
_MIN_SUFFIX_STEM = 4  # after removing a suffix: shorter leftovers collide (سنوية/سنوات -> سنو)


def tokenize(normalized: str) -> list[str]:
    """Split already-normalised text into tokens (``normalize`` leaves single spaces)."""
    return normalized.split() if normalized else []


class _Normalised(dict[str, tuple[str, ...]]):
    """Each word's tokens, computed the first time the word is looked up."""

    def __missing__(self, word: str) -> tuple[str, ...]:
        tokens = self[word] = tuple(sys.intern(t) for t in tokenize(normalize(word)))
        return tokens


class Words:
    """``tokenize(normalize(text))`` for many texts, normalising each distinct word once.

    Normalising works word by word: no character composes across whitespace (NFKC), the fold
    table maps single characters, and every non-word character becomes a space anyway. So a
    text's tokens are those of its whitespace-separated words in order, and an index build
    that meets the same few thousand words in hundreds of thousands of texts normalises each
    once instead of every text (at 10,000 briefs that was 4 of the build's 15 s). Tokens are
    interned, so every text's tokens share one string per word.
    """

    def __init__(self) -> None:
        self.of: dict[str, tuple[str, ...]] = _Normalised()

    def tokens(self, text: str) -> list[str]:
        return list(chain.from_iterable(map(self.of.__getitem__, text.split())))

    def normalize(self, text: str) -> str:
        """The same as ``normalize(text)``."""
        return " ".join(self.tokens(text))


def content_tokens(tokens: Iterable[str]) -> list[str]:
    """Drop stopwords (question words in MSA and dialects, particles), also behind و/ف and the
    dialect «ش» of «what» («واين», «شيسوي»)."""
    return [t for t in tokens if t not in STOPWORDS and not (t[:1] in "وفش" and t[1:] in STOPWORDS)]


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Strip at most one clitic prefix and one suffix, never below three letters; digits untouched."""
    if token.isdigit() or not _is_arabic(token):
        return token
    for p in _PREFIXES:
        if token.startswith(p) and len(token) - len(p) >= _MIN_STEM:
            token = token[len(p) :]
            break
    for s in _SUFFIXES:
        if token.endswith(s) and len(token) - len(s) >= _MIN_SUFFIX_STEM:
            token = token[: -len(s)]
            break
    return token


def variants(token: str, suffixes: bool = True) -> list[str]:
    """Plausible dictionary forms of a query token: each clitic prefix removed, with and without the suffix.

    Names pass ``suffixes=False``: «والسوداني» may be «السوداني», never «السودان».
    """
    out: list[str] = []
    if token.isdigit() or not _is_arabic(token):
        return out
    bases = [token] + [token[len(p) :] for p in _PREFIXES if token.startswith(p) and len(token) - len(p) >= _MIN_STEM]
    for b in bases:
        if b != token:
            out.append(b)
            out.append("ال" + b)
        if not suffixes:
            continue
        for s in _SUFFIXES:
            if b.endswith(s) and len(b) - len(s) >= _MIN_SUFFIX_STEM:
                out.append(b[: -len(s)])
        if b.endswith("ا") and len(b) > _MIN_STEM:  # accusative after كم: «كم شخصًا» -> شخص
            out.append(b[:-1])
    return list(dict.fromkeys(out))


def _is_arabic(token: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in token)


_DIGITS = re.compile(r"\d+")


def numbers(normalized: str) -> set[str]:
    """The numbers in normalised text (digits are ASCII after ``normalize``)."""
    return set(_DIGITS.findall(normalized))


_UNITS = {
    "واحد": 1, "واحده": 1, "احد": 1, "احدي": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2,
    "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6,
    "سبع": 7, "سبعه": 7, "ثمان": 8, "ثماني": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
}  # fmt: skip
_TENS = {
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40, "خمسون": 50,
    "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70, "ثمانون": 80, "ثمانين": 80,
    "تسعون": 90, "تسعين": 90,
}  # fmt: skip
_DUALS = {"ميتان": 200, "ميتين": 200, "مايتان": 200, "مايتين": 200, "الفان": 2000, "الفين": 2000}
_SCALES = {"ميه": 100, "مايه": 100, "الف": 1000, "الاف": 1000, "مليون": 10**6, "ملايين": 10**6, "مليار": 10**9}
_NUMBER_WORDS = _UNITS.keys() | _TENS.keys() | _DUALS.keys() | _SCALES.keys()


def number_words(normalized: str) -> set[int]:
    """Numbers written in words («ثلاثة عشر عامًا», «خمسة آلاف», «الواحد والثمانين»), as integers.

    Lets a check confirm that a digit in a brief («13 عامًا») stands in the quoted evidence,
    which spells it out. Covers the forms the documents use, not all of Arabic grammar.
    """
    found: set[int] = set()
    total = current = 0
    for tok in [*tokenize(normalized), ""]:
        word = next(
            (tok[len(p) :] for p in ("وال", "ال", "و") if tok.startswith(p) and tok[len(p) :] in _NUMBER_WORDS), tok
        )
        if word in _UNITS or word in _TENS or word in _DUALS:
            current += _UNITS.get(word) or _TENS.get(word) or _DUALS[word]
        elif word in _SCALES:
            current = (current or 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        else:
            total = current = 0
            continue
        found.add(total + current)
    return found
