"""Check a typed answer against a flashcard's expected answer.

The checker forgives what an examiner forgives in an A-level history answer: case, spacing,
punctuation, accents, curly quotes, kinds of dash, thousands separators, the usual ways of
writing a date, a leading "the", and a one-letter slip in a long word. It stays strict about
what changes the fact: digits, decimal points, and extra or missing words. An ordinal's
suffix is optional ("20" for "20th").

The result is data only; rendering it is the UI's job.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import Enum
from functools import lru_cache
from typing import Literal

__all__ = ["Match", "Segment", "Verdict", "check_answer", "normalise"]

# Texts are cut to this many characters before they are compared. Real answers are a few words
# long; the cap only bounds the work a hostile or pasted-in text can cause.
_MAX_CHECK_CHARS = 10_000
# SequenceMatcher is roughly quadratic, so it only ever sees this many characters per side.
_MAX_DIFF_CHARS = 1_000
# normalise() repeats its pass until nothing changes; real text settles in two or three passes
# and the cap keeps pathological input bounded.
_MAX_PASSES = 8
# In a shorter word one slip too easily makes another word ("Tito"/"Tita"), so ALMOST needs the
# expected word to have at least this many letters.
_ALMOST_MIN_LETTERS = 5


class Verdict(Enum):
    """How a typed answer compares with the expected one.

    ALMOST is a one-letter slip in a long word: it counts as right but is shown as almost.
    """

    CORRECT = "correct"
    ALMOST = "almost"
    WRONG = "wrong"


@dataclass(frozen=True)
class Segment:
    """A run of characters in the diff between a typed answer and the expected one.

    Attributes:
        text: The characters of the run. ``same`` and ``missing`` runs carry the expected
            form's characters, ``extra`` runs the typed characters.
        kind: ``same`` if typed as expected (ignoring case), ``missing`` if in the expected
            form but not typed, ``extra`` if typed but not expected.
        typed: For ``same`` runs, the characters as typed (their case may differ from
            ``text``'s); ``extra`` runs' ``text`` is already typed; "" for ``missing``.
    """

    text: str
    kind: Literal["same", "missing", "extra"]
    typed: str = ""

    @property
    def as_typed(self) -> str:
        """The characters of this run the student typed ("" for a ``missing`` run)."""
        return self.text if self.kind == "extra" else self.typed


@dataclass(frozen=True)
class Match:
    """The result of checking one typed answer.

    Attributes:
        verdict: CORRECT, ALMOST or WRONG.
        expected: The accepted form the answer was judged against: the first form it matches,
            or, when wrong, the closest form (the card's answer on a tie or for a blank
            answer).
        typed: The answer exactly as typed.
        diff: Character-level diff of ``typed`` against ``expected``, in order, with no empty
            segments and no two adjacent segments of one kind. Joining the ``same`` and
            ``missing`` texts gives ``expected`` exactly; joining the ``same`` and ``extra``
            texts gives ``typed`` up to case, and their ``as_typed`` gives it exactly. Where a
            stretch of text is too long to align (over 1,000 characters), it is shown as one
            ``extra`` then one ``missing`` run.
        placed: For an order typed on a chronology card (see `stalindeck.review.order`), how
            many events are in their place, of how many; None for any other answer.
    """

    verdict: Verdict
    expected: str
    typed: str
    diff: tuple[Segment, ...]
    placed: tuple[int, int] | None = None

    @property
    def passed(self) -> bool:
        """Whether the answer counts as right (CORRECT or ALMOST)."""
        return self.verdict is not Verdict.WRONG


# --- character folding -------------------------------------------------------------------------

# Mapped before decomposition: NFKD would turn the acute accent into a space plus a combining
# mark, and these all stand for an apostrophe or a quote in typed text.
_QUOTES = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark
        "\u201a": "'",  # single low-9 quotation mark
        "\u201b": "'",  # single high-reversed-9 quotation mark
        "\u2032": "'",  # prime
        "\u2035": "'",  # reversed prime
        "\u02bc": "'",  # modifier letter apostrophe
        "\u02bb": "'",  # modifier letter turned comma
        "`": "'",
        "\u00b4": "'",  # acute accent typed as an apostrophe
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',  # double prime
        "\u2036": '"',  # reversed double prime
        "\u2212": "-",  # minus sign is a symbol (Sm), not a dash (Pd), in Unicode
    }
)

# Punctuation that later steps still need: the decimal point, thousands separators (comma,
# apostrophe, underscore) and date separators (slash, dot, hyphen). "%" is kept for good: 50% and
# 50 are different answers.
_KEPT_PUNCTUATION = frozenset(".,/-'_%")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return ""  # accents: students cannot easily type them in a terminal
    if char.isspace():
        return " "
    if category[0] == "C":
        return ""  # control, format (zero-width), surrogate, private-use, unassigned
    if category == "Pd":
        return "-"
    if category[0] == "P" and char not in _KEPT_PUNCTUATION:
        return " "
    return char


def _fold(text: str) -> str:
    """Fold case, compatibility forms, accents, quotes, dashes, controls and spacing."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    # Casefolding can produce characters that decompose further (and so shed accents).
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(map(_fold_char, text))
    # Recompose what NFKD split without accents (Hangul syllables, for one).
    return " ".join(unicodedata.normalize("NFKC", text).split())


# --- numbers -----------------------------------------------------------------------------------

# 51,439 / 51 439 / 51'439 / 51_439: a group of one to three digits, then groups of exactly three,
# all with the same separator. A dot is never a thousands separator: 51.439 stays a decimal.
# Not preceded by a digit (or a decimal point after one), so a group can't start mid-number.
_THOUSANDS = re.compile(
    r"(?<![0-9])(?<![0-9]\.)[0-9]{1,3}([, '_])[0-9]{3}(?:\1[0-9]{3})*(?![0-9])(?!\1[0-9])"
)


def _join_thousands(text: str) -> str:
    return _THOUSANDS.sub(lambda m: re.sub(r"[^0-9]", "", m.group()), text)


# --- dates -------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

# Longest names first so that "june" is not read as "jun" + "e"; not followed by a letter so
# that "marching" or "decree" is no month.
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))


def _month(group: str) -> str:
    return rf"(?P<{group}>{_MONTH_NAMES})(?![^\W\d_])\.?"


def _day(group: str) -> str:
    return rf"(?P<{group}>[0-9]{{1,2}})(?![0-9])(?:st|nd|rd|th)?"


def _year(group: str) -> str:
    return rf"(?P<{group}>[0-9]{{4}})(?![0-9])"


# Numeric parts must not be pieces of a longer run of numbers such as 1.25/02/1956.
_NUM_START = r"(?<!\w)(?<![0-9][./-])"
_NUM_END = r"(?![\w]|[./-][0-9])"
_WORD_START = r"(?<!\w)(?<![0-9][.,])"

# Alternatives sharing a starting position are tried in order, so full dates come before
# month-year and day-month forms.
_DATE = re.compile(
    "|".join(
        rf"(?P<{kind}>{pattern})"
        for kind, pattern in (
            # 25 February 1956, 25th of Feb. 1956, 25 February, 1956
            (
                "dmy",
                rf"{_WORD_START}{_day('dmy_d')} ?(?:of )?{_month('dmy_m')}[ ,]{{0,2}}"
                rf"{_year('dmy_y')}",
            ),
            # February 25, 1956; Feb 25th 1956
            ("mdy", rf"(?<!\w){_month('mdy_m')} ?{_day('mdy_d')},? ?{_year('mdy_y')}"),
            # 1956-02-25, 1956/2/25, 1956.02.25
            (
                "ymd",
                rf"{_NUM_START}(?P<ymd_y>[0-9]{{4}})(?P<ymd_s>[-/.])(?P<ymd_m>[0-9]{{1,2}})"
                rf"(?P=ymd_s)(?P<ymd_d>[0-9]{{1,2}}){_NUM_END}",
            ),
            # 25/02/1956, 25/2/1956, 25.2.1956, 25-2-1956: day first, as in the UK
            (
                "dmyn",
                rf"{_NUM_START}(?P<dmyn_d>[0-9]{{1,2}})(?P<dmyn_s>[-/.])"
                rf"(?P<dmyn_m>[0-9]{{1,2}})(?P=dmyn_s)(?P<dmyn_y>[0-9]{{4}}){_NUM_END}",
            ),
            # June 1956, Jun. 1956
            ("my", rf"(?<!\w){_month('my_m')}[ ,]{{0,2}}{_year('my_y')}"),
            # 1956-06 (also the canonical month-year form)
            ("ym", rf"{_NUM_START}(?P<ym_y>[0-9]{{4}})-(?P<ym_m>[0-9]{{2}}){_NUM_END}"),
            # 06/1956, 6/1956
            ("myn", rf"{_NUM_START}(?P<myn_m>[0-9]{{1,2}})/(?P<myn_y>[0-9]{{4}}){_NUM_END}"),
            # 5 March, 5th of March
            ("dm", rf"{_WORD_START}{_day('dm_d')} ?(?:of )?{_month('dm_m')}"),
            # March 5, March 5th
            ("md", rf"(?<!\w){_month('md_m')} ?{_day('md_d')}(?!\w)"),
            # --03-05: the canonical day-month form (ISO 8601 without a year)
            ("dmc", rf"(?<![\w-])--(?P<dmc_m>[0-9]{{2}})-(?P<dmc_d>[0-9]{{2}}){_NUM_END}"),
        )
    )
)

# Day-month dates have no year; a leap year lets 29 February through.
_ANY_LEAP_YEAR = 2000


def _month_number(text: str) -> int:
    return _MONTHS[text] if text in _MONTHS else int(text)


def _canonical_date(match: re.Match[str]) -> str | None:
    """The canonical form of a recognised date, or None if it is no real date."""
    kind = match.lastgroup
    if kind is None:  # pragma: no cover - every alternative is a named group
        return None
    parts = match.groupdict()
    year = int(parts[f"{kind}_y"]) if f"{kind}_y" in parts else _ANY_LEAP_YEAR
    month = _month_number(parts[f"{kind}_m"])
    day = int(parts[f"{kind}_d"]) if f"{kind}_d" in parts else 1
    try:
        datetime.date(year, month, day)
    except ValueError:
        return None  # 31 February, month 13, year 0000: left as plain text
    if kind in ("dm", "md", "dmc"):
        return f"--{month:02d}-{day:02d}"
    if kind in ("my", "ym", "myn"):
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


# --- punctuation -------------------------------------------------------------------------------

# Dots inside abbreviations (U.S.S.R., N.K.V.D.) and apostrophes (Khrushchev's, 1950's) join
# what they separate; every other remaining punctuation mark separates words. An apostrophe
# between digits that was no thousands separator separates too, so a misplaced one (5'1439) is
# not forgiven. A dot between digits is a decimal point and stays: 3.5 is not 35.
_JOINING_PUNCTUATION = re.compile(r"(?<=[^\W\d_])\.(?=[^\W\d_])|(?<![0-9])'|'(?![0-9])")
_SEPARATING_PUNCTUATION = re.compile(r"(?<![0-9])\.|\.(?![0-9])|[,/_'-]")


def _strip_punctuation(text: str) -> str:
    return _SEPARATING_PUNCTUATION.sub(" ", _JOINING_PUNCTUATION.sub("", text))


def _dates_and_punctuation(text: str) -> str:
    pieces: list[str] = []
    start = 0
    for match in _DATE.finditer(text):
        canonical = _canonical_date(match)
        if canonical is not None:
            pieces.append(_strip_punctuation(text[start : match.start()]))
            pieces.append(f" {canonical} ")
            start = match.end()
    pieces.append(_strip_punctuation(text[start:]))
    return "".join(pieces)


# Only "the", and only at the start: "The KGB" = "KGB", but "a"/"an" and inner words stay.
_LEADING_THE = re.compile(r"^(?:the )+(?=\S)")
# "20" names the 20th Party Congress as well as "20th" does; an examiner accepts either.
_ORDINAL_SUFFIX = re.compile(r"(?<![\w.])([0-9]+)(?:st|nd|rd|th)\b")


# Numbers written as words, up to ninety-nine, cardinal or ordinal: "Twentieth Party Congress"
# = "20th Party Congress", "twenty-fifth of February 1956" = "25 February 1956".
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_UNITS_NTH = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
              "ninth")  # fmt: skip
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen")  # fmt: skip
_TEENS_NTH = ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
              "sixteenth", "seventeenth", "eighteenth", "nineteenth")  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TENS_NTH = ("twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth",
             "eightieth", "ninetieth")  # fmt: skip
_WORD_VALUES = {
    **{word: n for n, word in enumerate(_UNITS, start=1)},
    **{word: n for n, word in enumerate(_UNITS_NTH, start=1)},
    **{word: n for n, word in enumerate(_TEENS, start=10)},
    **{word: n for n, word in enumerate(_TEENS_NTH, start=10)},
    **{word: 10 * n for n, word in enumerate(_TENS, start=2)},
    **{word: 10 * n for n, word in enumerate(_TENS_NTH, start=2)},
    "zero": 0,
}
_ONE_WORD = "|".join(
    sorted((*_UNITS, *_UNITS_NTH, *_TEENS, *_TEENS_NTH, *_TENS_NTH, "zero"), key=len, reverse=True)
)
_NUMBER_WORDS = re.compile(
    rf"\b(?:({'|'.join(_TENS)})(?:[ -]({'|'.join(_UNITS + _UNITS_NTH)}))?|({_ONE_WORD}))\b"
)


def _number_word(match: re.Match[str]) -> str:
    tens, unit, single = match.groups()
    if single is not None:
        return str(_WORD_VALUES[single])
    return str(_WORD_VALUES[tens] + (_WORD_VALUES[unit] if unit else 0))


def _normalise_once(text: str, dates: bool) -> str:
    text = _NUMBER_WORDS.sub(_number_word, _join_thousands(_fold(text)))
    text = _dates_and_punctuation(text) if dates else _strip_punctuation(text)
    text = _ORDINAL_SUFFIX.sub(r"\1", " ".join(text.split()))
    # "50 %" is the same answer as "50%".
    return _LEADING_THE.sub("", text.replace(" %", "%"))


def normalise(text: str) -> str:
    """Return the canonical form of an answer, the form answers are compared in.

    The canonical form is lower-case words separated by single spaces, with no leading or
    trailing space. To get there:

    * Unicode is folded: NFKC compatibility forms (full-width letters, ligatures, thin and
      no-break spaces), case (``casefold``), accents (``Rákosi`` = ``Rakosi``), curly quotes
      and apostrophes, and every kind of dash (hyphen, en and em dash, minus) are made equal;
      control and zero-width characters are dropped.
    * Thousands separators go: a comma, space, thin space, apostrophe or underscore between
      groups of three digits (``51,439`` = ``51 439`` = ``51439``). The same separator must be
      used throughout the number. A dot never separates thousands: ``51.439`` is a decimal and
      stays as it is, so it is not ``51439``.
    * Dates become ISO 8601: full dates ``YYYY-MM-DD``, month and year ``YYYY-MM``, day and
      month ``--MM-DD``. Recognised anywhere in the text: ``25 February 1956``, ``25 Feb.
      1956``, ``25th of February, 1956``, ``February 25, 1956``, ``1956-02-25``, and numeric
      dates day first (``25/02/1956``, ``25/2/1956``, ``25.2.1956``, ``25-2-1956``);
      ``June 1956``, ``Jun 1956``, ``1956-06``, ``06/1956``; ``5 March``, ``March 5th``.
      Years must have four digits (``25/2/56`` is not a date). Impossible dates
      (31 February) are left as text. ``YYYY-MM`` is always a month, so ``1910-11`` reads as
      November 1910, not as a range.
    * Punctuation is ignored: dots inside abbreviations and apostrophes are removed
      (``U.S.S.R.`` = ``USSR``, ``Khrushchev's`` = ``Khrushchevs``), other marks count as
      spaces, as does an apostrophe between digits that was no thousands separator. Kept are
      a dot between digits (``3.5`` is not ``35``), ``%`` (``50 %`` = ``50%``, but not ``50``)
      and symbols such as ``£``.
    * A leading "the" is dropped (``The KGB`` = ``KGB``); nothing else is.
    * An ordinal suffix on a number is optional (``20th`` = ``20``), and numbers up to
      ninety-nine may be words, cardinal or ordinal (``twentieth`` = ``20th``, ``twenty-fifth
      of February 1956`` = ``25 February 1956``, ``five`` = ``5``).

    The steps are repeated until the text no longer changes, so the result is its own
    canonical form: ``normalise(normalise(x)) == normalise(x)``. One consequence: digits left
    separated by a space once punctuation is gone may join as a number (``5, 100`` = ``5100``).
    No length limit is applied here; :func:`check_answer` caps its inputs.

    Args:
        text: Any text.

    Returns:
        The canonical form; empty if the text has no letters, digits or symbols.
    """
    return _canonical(text, dates=True)


def _canonical(text: str, dates: bool) -> str:
    current = text
    for _ in range(_MAX_PASSES):
        following = _normalise_once(current, dates)
        if following == current:
            break
        current = following
    return current


# --- verdicts ----------------------------------------------------------------------------------


def _one_edit_apart(typed: str, expected: str) -> bool:
    """Whether one insertion, deletion, substitution or adjacent swap turns one into the other."""
    if typed == expected:
        return False
    if len(typed) == len(expected):
        differences = [i for i, (a, b) in enumerate(zip(typed, expected, strict=True)) if a != b]
        if len(differences) == 1:
            return True
        if len(differences) == 2:
            i, j = differences
            return j == i + 1 and typed[i] == expected[j] and typed[j] == expected[i]
        return False
    shorter, longer = sorted((typed, expected), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    prefix = 0
    while prefix < len(shorter) and shorter[prefix] == longer[prefix]:
        prefix += 1
    return shorter[prefix:] == longer[prefix + 1 :]


def _almost(typed: str, expected: str) -> bool:
    """Whether two canonical forms differ by one slip in one long alphabetic word."""
    typed_words = typed.split(" ")
    expected_words = expected.split(" ")
    if len(typed_words) != len(expected_words):
        return False
    differing = [(t, e) for t, e in zip(typed_words, expected_words, strict=True) if t != e]
    if len(differing) != 1:
        return False
    typed_word, expected_word = differing[0]
    # Never in numbers or dates: a changed digit is a different fact, not a slip.
    return (
        typed_word.isalpha()
        and expected_word.isalpha()
        and len(expected_word) >= _ALMOST_MIN_LETTERS
        and _one_edit_apart(typed_word, expected_word)
    )


def _similarity(typed: str, expected: str) -> float:
    return SequenceMatcher(
        None, typed[:_MAX_DIFF_CHARS], expected[:_MAX_DIFF_CHARS], autojunk=False
    ).ratio()


# --- diff --------------------------------------------------------------------------------------


def _diff(expected: str, typed: str) -> tuple[Segment, ...]:
    """Case-insensitive character diff of typed against expected, keeping original characters."""
    # Compare character by character (not casefolded strings, whose lengths can differ: "ß"
    # folds to "ss") so that indices into the originals stay valid.
    expected_keys = [char.casefold() for char in expected]
    typed_keys = [char.casefold() for char in typed]

    # Trimming the common ends first keeps identical long answers cheap to diff.
    shortest = min(len(expected), len(typed))
    head = 0
    while head < shortest and expected_keys[head] == typed_keys[head]:
        head += 1
    tail = 0
    while (
        tail < shortest - head
        and expected_keys[len(expected) - 1 - tail] == typed_keys[len(typed) - 1 - tail]
    ):
        tail += 1
    expected_end = len(expected) - tail
    typed_end = len(typed) - tail

    # (kind, text, as typed): a `same` run keeps both spellings, which may differ in case.
    runs: list[tuple[Literal["same", "missing", "extra"], str, str]] = [
        ("same", expected[:head], typed[:head])
    ]
    if expected_end - head <= _MAX_DIFF_CHARS and typed_end - head <= _MAX_DIFF_CHARS:
        matcher = SequenceMatcher(
            None,
            expected_keys[head:expected_end],
            typed_keys[head:typed_end],
            autojunk=False,  # junk heuristics misfire on the small alphabet of letters
        )
        for tag, e1, e2, t1, t2 in matcher.get_opcodes():
            expected_part = expected[head + e1 : head + e2]
            typed_part = typed[head + t1 : head + t2]
            if tag == "equal":
                runs.append(("same", expected_part, typed_part))
            else:
                # What was typed comes before what should have been, like a correction.
                runs.append(("extra", typed_part, ""))
                runs.append(("missing", expected_part, ""))
    else:
        runs.append(("extra", typed[head:typed_end], ""))
        runs.append(("missing", expected[head:expected_end], ""))
    runs.append(("same", expected[expected_end:], typed[typed_end:]))

    segments: list[Segment] = []
    for kind, text, as_typed in runs:
        if not text:
            continue
        if segments and segments[-1].kind == kind:
            last = segments[-1]
            segments[-1] = Segment(last.text + text, kind, last.typed + as_typed)
        else:
            segments.append(Segment(text, kind, as_typed))
    return tuple(segments)


# Between the items of a list: a comma or semicolon followed by a space (so 51,439 stays one
# number), "and", "&"; a comma before a letter needs no space ("Malenkov,Beria"). Answers such
# as "Beria and Malenkov" name things in no set order.
_LIST_SEPARATOR = re.compile(
    r"\s*(?:,\s*and\s+|[,;]\s+|,(?=[^\W\d_])|;|\s*&\s*|\s+and\s+)\s*", re.IGNORECASE
)


def _items(text: str) -> list[str]:
    """The canonical forms of the items of a list, sorted; one item for anything else."""
    return sorted(normalise(item) for item in _LIST_SEPARATOR.split(text) if item.strip())


def _joined(canonical: str) -> str | None:
    """A canonical answer without its spaces, for words written apart or hyphenated; None
    when it holds a digit (numbers and dates are never run together)."""
    if any(char.isdigit() for char in canonical):
        return None
    return canonical.replace(" ", "")


def _same_items(typed: str, expected: str) -> bool:
    """Whether both name the same two or more items, in any order ("Malenkov, Beria" for
    "Beria and Malenkov")."""
    wanted = _items(expected)
    return len(wanted) > 1 and _items(typed) == wanted


def check_answer(typed: str, expected: str, accept: Sequence[str] = ()) -> Match:
    """Check a typed answer against a card's answer and its accepted alternatives.

    The answer is CORRECT if its canonical form (see :func:`normalise`) equals that of
    ``expected`` or of any string in ``accept``, or does once their spaces are taken out and
    neither holds a digit (``super-power`` or ``super power`` for ``superpower``), or if both
    are lists of the same two or more items, in any order (items separated by ", ", ";", "&",
    "and", or a comma before a letter). Otherwise it is ALMOST
    if, for one of them, the canonical forms have the same words except one alphabetic word of
    at least five letters in the expected form, and one insertion, deletion, substitution or
    swap of adjacent letters turns the typed word into it (``Khruschev`` for ``Khrushchev``).
    Slips in numbers and dates are never forgiven, but a misspelt month name is, when the date
    is written the same way as in the expected form (``25 Febuary 1956`` for ``25 February
    1956``). Anything else, including a blank answer, is WRONG.

    Only the first 10,000 characters of each text are compared. The function never raises
    for ``str`` arguments.

    Args:
        typed: The answer as the student typed it.
        expected: The card's answer.
        accept: Other answers that count as right. A single string is taken as one answer,
            not as a sequence of characters.

    Returns:
        The verdict, the form it was judged against (the first one matched, or the closest
        when wrong) and a diff of the typed text against that form.
    """
    forms = [expected, *((accept,) if isinstance(accept, str) else accept)]
    canonical_typed = normalise(typed[:_MAX_CHECK_CHARS])
    chosen = 0
    verdict = Verdict.WRONG
    if canonical_typed:
        canonical_forms = [normalise(form[:_MAX_CHECK_CHARS]) for form in forms]
        joined = _joined(canonical_typed)
        joined_forms = [_joined(form) for form in canonical_forms]
        if canonical_typed in canonical_forms:
            verdict = Verdict.CORRECT
            chosen = canonical_forms.index(canonical_typed)
        elif joined is not None and joined in joined_forms:
            # "super power" or "super-power" for "superpower": a word written in two parts.
            verdict = Verdict.CORRECT
            chosen = joined_forms.index(joined)
        elif as_lists := [
            i
            for i, form in enumerate(forms)
            if _same_items(typed[:_MAX_CHECK_CHARS], form[:_MAX_CHECK_CHARS])
        ]:
            verdict = Verdict.CORRECT
            chosen = as_lists[0]
        else:
            almost = [i for i, form in enumerate(canonical_forms) if _almost(canonical_typed, form)]
            if not almost:
                # A misspelt month ("Febuary") is no date, so compare the words as written too.
                typed_words = _canonical(typed[:_MAX_CHECK_CHARS], dates=False)
                almost = [
                    i
                    for i, form in enumerate(forms)
                    if _almost(typed_words, _canonical(form[:_MAX_CHECK_CHARS], dates=False))
                ]
            if not almost and joined is not None:  # "super powers" for "superpower"
                almost = [
                    i
                    for i, form in enumerate(joined_forms)
                    if form is not None and _almost(joined, form)
                ]
            if almost:
                verdict = Verdict.ALMOST
                chosen = almost[0]
            else:
                # max() keeps the first of equals, so the card's own answer wins ties.
                chosen = max(
                    range(len(forms)),
                    key=lambda i: _similarity(canonical_typed, canonical_forms[i]),
                )
    form = forms[chosen]
    return Match(verdict=verdict, expected=form, typed=typed, diff=_diff(form, typed))
