"""Chinese-aware text helpers: mnemonic codes (助记码), pinyin and search tokens."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.seg.mmseg import seg as _segments

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z]+")
_DIGITS = re.compile(r"\d")
_EMAIL = re.compile(r"[^a-z0-9@._+-]")
_NUMBER_TERM = re.compile(r"[0-9a-z]*[0-9][0-9a-z]*")
_SORT_PIECE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
SORT_KEY_LENGTH = 255


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    return tuple(s.lower() for s in lazy_pinyin(word, errors="ignore") if s.isalnum())


@lru_cache(maxsize=65536)
def _syllables(text: str) -> tuple[str, ...]:
    """The syllables of a run of CJK characters, word by word as pypinyin segments it;
    words recur (有限公司, 科技, city names), so each is converted once."""
    return tuple(s for word in _segments.cut(text) for s in _word_syllables(word))


def pinyin_syllables(text: str) -> list[str]:
    """Full pinyin of the Chinese characters of `text`, one syllable per character."""
    return [s for run in _CJK_RUN.findall(text) for s in _syllables(run)]


@cache
def _initial(char: str) -> str:
    """The upper-case pinyin initial of one character (cached: there are only so many)."""
    if _CJK.match(char):
        return "".join(
            i.upper() for i in lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
        )
    return char.upper() if char.isascii() and char.isalnum() else ""


def sort_key(name: str) -> str:
    """What a name sorts by as Chinese users expect: Chinese characters by their pinyin,
    syllable by syllable (北京 "bei jing" before 上海 "shang hai"), Latin letters lower-cased
    among them (Acme by 阿里 "a li"), digits first; punctuation and spaces are passed over."""
    pieces = _SORT_PIECE.findall(unicodedata.normalize("NFKC", name).lower())
    words = [w for p in pieces for w in (_syllables(p) if _CJK.match(p) else (p,))]
    return " ".join(words)[:SORT_KEY_LENGTH]


def mnemonic(name: str) -> str:
    """Pinyin initials of Chinese characters, other letters and digits kept: 金蝶软件 -> JDRJ."""
    return "".join(_initial(char) for char in name)


def _suffixes(items: list[str], join: str = "") -> list[str]:
    return [join.join(items[i:]) for i in range(len(items))]


def name_tokens(text: str) -> set[str]:
    """Tokens that find a name: CJK characters and bigrams, full pinyin and initials
    (with every syllable suffix, so "ruanjian" finds 金蝶软件), and Latin words."""
    text = text.lower()
    tokens: set[str] = set()
    for run in _CJK_RUN.findall(text):
        tokens.update(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
        syllables = list(_syllables(run))
        if syllables:
            tokens.update(_suffixes(syllables))
            tokens.update(_suffixes([s[0] for s in syllables]))
    tokens.update(w for w in _WORD.findall(text))
    return tokens


def phone_tokens(phone: str) -> set[str]:
    """Every digit suffix of at least 3 digits, so any fragment is a prefix of a token."""
    return suffix_tokens("".join(_DIGITS.findall(phone)))


def number_chars(text: str) -> str:
    """The letters and digits of a number, lowercased: 0755-8607 2000 -> 075586072000."""
    return "".join(_WORD.findall(text.lower()))


def suffix_tokens(chars: str) -> set[str]:
    """Every suffix of at least 3 characters, so any fragment is a prefix of a token."""
    return {chars[i:] for i in range(max(len(chars) - 2, 0))}


def email_tokens(email: str) -> set[str]:
    """The whole address and its local part, lowercased."""
    email = _EMAIL.sub("", email.lower())
    if not email:
        return set()
    return {email, email.split("@", 1)[0]}


def is_exact_term(term: str) -> bool:
    """CJK terms match whole tokens; other terms match as prefixes."""
    return _CJK.match(term) is not None


def may_be_number(term: str) -> bool:
    """Whether a query term could be (part of) a number: letters and digits, a digit among
    them."""
    return _NUMBER_TERM.fullmatch(term) is not None


def query_terms(query: str) -> list[str]:
    """The terms a search query must all match (as prefixes, except CJK bigrams)."""
    query = query.strip().lower()
    terms: list[str] = []
    for part in query.split():
        if "@" in part:
            terms.append(_EMAIL.sub("", part))
            continue
        for run in _CJK_RUN.findall(part):
            if len(run) == 1:
                terms.append(run)
            else:
                terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        rest = _CJK_RUN.sub(" ", part)
        terms.extend(w for w in _WORD.findall(rest))
    return [t for t in dict.fromkeys(terms) if t]
