"""Tests for stalindeck.review.matcher: checking typed answers."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stalindeck.review.matcher import Match, Segment, Verdict, check_answer, normalise

CORRECT, ALMOST, WRONG = Verdict.CORRECT, Verdict.ALMOST, Verdict.WRONG


def verdict(typed: str, expected: str, accept: Sequence[str] = ()) -> Verdict:
    return check_answer(typed, expected, accept).verdict


# --- rules, table-driven -----------------------------------------------------------------------

# (typed, expected, verdict)
CASES: list[tuple[str, str, Verdict]] = [
    # case and spacing
    ("khrushchev", "Khrushchev", CORRECT),
    ("KHRUSHCHEV", "Khrushchev", CORRECT),
    ("  Nikita   Khrushchev\t", "Nikita Khrushchev", CORRECT),
    ("Nikita\nKhrushchev", "Nikita Khrushchev", CORRECT),
    ("NikitaKhrushchev", "Nikita Khrushchev", CORRECT),  # a space left out: words run together
    # Unicode: NFKC, accents, curly quotes, dashes
    ("ＫＧＢ", "KGB", CORRECT),  # full-width letters
    ("ﬁve", "five", CORRECT),  # ligature
    ("Rakosi", "Rákosi", CORRECT),
    ("Rákosi", "Rakosi", CORRECT),
    ("Gomulka", "Gomułka", ALMOST),  # ł is a letter of its own, not l with an accent
    ("Khrushchev’s speech", "Khrushchev's speech", CORRECT),
    ("Khrushchevs speech", "Khrushchev's speech", CORRECT),
    ("“Secret Speech”", '"Secret Speech"', CORRECT),
    ("Secret Speech", "‘Secret Speech’", CORRECT),
    ("Molotov–Ribbentrop", "Molotov-Ribbentrop", CORRECT),
    ("Molotov—Ribbentrop", "Molotov-Ribbentrop", CORRECT),
    ("Molotov − Ribbentrop", "Molotov–Ribbentrop", CORRECT),
    ("Molotov Ribbentrop", "Molotov-Ribbentrop", CORRECT),
    ("1953–1964", "1953-1964", CORRECT),
    ("1953-1964", "1953-1965", WRONG),
    # punctuation ignored
    ("Malenkov, Molotov and Kaganovich", "Malenkov Molotov and Kaganovich", CORRECT),
    ("Malenkov; Molotov & Kaganovich!", "Malenkov, Molotov, Kaganovich", CORRECT),
    ("(Anti-Party Group)", "Anti-Party Group", CORRECT),
    ("Virgin Lands?", "Virgin Lands.", CORRECT),
    ("USSR", "U.S.S.R.", CORRECT),
    ("the N.K.V.D.", "NKVD", CORRECT),
    ("Khru\u200bshchev", "Khrushchev", CORRECT),  # zero-width space
    ("Khru\x00shchev\x1b", "Khrushchev", CORRECT),  # control characters
    ("Kaganovich, Molotov", "Molotov", WRONG),
    ("Molotov", "Kaganovich, Molotov", WRONG),
    # numbers: the decimal point counts, % counts
    ("3.5", "3.5", CORRECT),
    ("3.5", "35", WRONG),
    ("35", "3.5", WRONG),
    ("3,5", "3.5", WRONG),
    ("3.5%", "3.5 %", CORRECT),
    ("50", "50%", WRONG),
    ("1957", "1956", WRONG),
    ("20", "20th", CORRECT),  # the suffix is optional: the number is the fact
    ("20th", "20", CORRECT),
    ("20 Party Congress", "20th Party Congress", CORRECT),
    ("21", "22nd", WRONG),
    ("1st", "1", CORRECT),
    # numbers as words, cardinal or ordinal, up to ninety-nine
    ("twentieth", "20th", CORRECT),
    ("Twentieth Party Congress", "20th Party Congress", CORRECT),
    ("twenty-second", "22nd", CORRECT),
    ("twenty second", "22", CORRECT),
    ("twenty-first", "22nd", WRONG),
    ("twenty", "20", CORRECT),
    ("five", "5", CORRECT),
    ("fifth", "5", CORRECT),
    ("fifteen", "5", WRONG),
    ("the twenty-fifth of February 1956", "25 February 1956", CORRECT),
    ("first secretary", "First Secretary", CORRECT),
    ("someone", "some 1", WRONG),  # only whole words
    # thousands separators
    ("51439", "51,439", CORRECT),
    ("51,439", "51439", CORRECT),
    ("51 439", "51,439", CORRECT),
    ("51\u2009439", "51,439", CORRECT),  # thin space
    ("51\u202f439", "51,439", CORRECT),  # narrow no-break space
    ("51\u00a0439", "51,439", CORRECT),  # no-break space
    ("51'439", "51,439", CORRECT),
    ("51’439", "51,439", CORRECT),
    ("51_439", "51,439", CORRECT),
    ("1,000,000", "1 000 000", CORRECT),
    ("1000000", "1,000,000", CORRECT),
    ("1,234.5", "1234.5", CORRECT),
    ("about 51,439 prisoners", "About 51439 prisoners", CORRECT),
    ("51.439", "51439", WRONG),  # a dot is a decimal point, never a thousands separator
    ("51.439", "51,439", WRONG),
    ("51,438", "51,439", WRONG),
    ("51438", "51,439", WRONG),
    ("5,1439", "51439", WRONG),  # misplaced separator
    ("5'1439", "51439", WRONG),
    ("51,4390", "514390", WRONG),
    ("1,000 000", "1000000", WRONG),  # mixed separators
    ("51,439", "51,439,000", WRONG),
    # full dates
    ("25 February 1956", "25 February 1956", CORRECT),
    ("25 Feb 1956", "25 February 1956", CORRECT),
    ("25 Feb. 1956", "25 February 1956", CORRECT),
    ("25 FEB 1956", "25 February 1956", CORRECT),
    ("February 25, 1956", "25 February 1956", CORRECT),
    ("Feb 25th 1956", "25 February 1956", CORRECT),
    ("25th February 1956", "25 February 1956", CORRECT),
    ("25th of February, 1956", "25 February 1956", CORRECT),
    ("1956-02-25", "25 February 1956", CORRECT),
    ("1956/02/25", "25 February 1956", CORRECT),
    ("25/02/1956", "25 February 1956", CORRECT),
    ("25/2/1956", "25 February 1956", CORRECT),
    ("25.2.1956", "25 February 1956", CORRECT),
    ("25-02-1956", "25 February 1956", CORRECT),
    ("25–02–1956", "25 February 1956", CORRECT),
    ("25 February 1956", "25/2/1956", CORRECT),
    ("5 Sept 1956", "5 September 1956", CORRECT),
    ("5 Sep 1956", "5 September 1956", CORRECT),
    ("26 February 1956", "25 February 1956", WRONG),
    ("25 February 1957", "25 February 1956", WRONG),
    ("25 March 1956", "25 February 1956", WRONG),
    ("1956-02-26", "25 February 1956", WRONG),
    ("25 February", "25 February 1956", WRONG),
    ("1956", "25 February 1956", WRONG),
    ("February 1956", "25 February 1956", WRONG),
    # numeric dates are day first, as a UK student writes them
    ("02/03/1956", "2 March 1956", CORRECT),
    ("02/03/1956", "3 February 1956", WRONG),
    ("3.2.1956", "3 February 1956", CORRECT),
    # only four-digit years
    ("25/2/56", "25 February 1956", WRONG),
    ("25 Feb 56", "25 February 1956", WRONG),
    # invalid dates are left as text, so only the same text matches
    ("31 February 1956", "31 February 1956", CORRECT),
    ("1956-02-31", "31 February 1956", WRONG),
    ("31/02/1956", "31 February 1956", WRONG),
    ("30/02/1956", "2 March 1956", WRONG),
    ("29 February 1956", "1956-02-29", CORRECT),  # leap year
    ("29 February 1957", "1957-02-29", WRONG),
    ("13/13/1956", "13 January 1957", WRONG),
    # month and year
    ("June 1956", "June 1956", CORRECT),
    ("Jun 1956", "June 1956", CORRECT),
    ("Jun. 1956", "June 1956", CORRECT),
    ("1956-06", "June 1956", CORRECT),
    ("06/1956", "June 1956", CORRECT),
    ("6/1956", "June 1956", CORRECT),
    ("June, 1956", "06/1956", CORRECT),
    ("July 1956", "June 1956", WRONG),
    ("1956-07", "June 1956", WRONG),
    ("1956", "June 1956", WRONG),
    ("June 1957", "June 1956", WRONG),
    # day and month
    ("5 March", "5 March", CORRECT),
    ("March 5th", "5 March", CORRECT),
    ("the 5th of March", "5 March", CORRECT),
    ("6 March", "5 March", WRONG),
    ("5 March 1953", "5 March", WRONG),
    # dates inside text
    ("on 25 feb 1956", "On 25 February 1956", CORRECT),
    ("on 25/2/1956, to a closed session", "On 25 February 1956, to a closed session", CORRECT),
    ("in 1956-06 prisoners left", "In June 1956 prisoners left", CORRECT),
    ("on 26 feb 1956", "On 25 February 1956", WRONG),
    ("in 25 feb 1956", "On 25 February 1956", WRONG),
    # month names only as whole words
    ("marching", "March", WRONG),
    ("Decree of 1956", "December 1956", WRONG),
    # leading "the" only
    ("KGB", "The KGB", CORRECT),
    ("The KGB", "KGB", CORRECT),
    ("the kgb", "The KGB", CORRECT),
    ("the", "The", CORRECT),
    ("A KGB", "KGB", WRONG),
    ("An Anti-Party Group", "Anti-Party Group", WRONG),
    ("Khrushchev reformer", "Khrushchev the reformer", WRONG),
    ("Theodore", "odore", WRONG),
    # ALMOST: one slip in one alphabetic word of five or more letters
    ("Khruschev", "Khrushchev", ALMOST),  # deletion
    ("Khrusshchev", "Khrushchev", ALMOST),  # insertion
    ("Malenkvo", "Malenkov", ALMOST),  # transposition
    ("Berla", "Beria", ALMOST),  # substitution, 5 letters
    ("Beri", "Beria", ALMOST),  # deletion from a 5-letter word
    ("Nikita Khruschev", "Nikita Khrushchev", ALMOST),
    ("the Khruschev thaw", "The Khrushchev Thaw", ALMOST),
    ("Kruschev", "Khrushchev", WRONG),  # two slips
    ("Malnekvo", "Malenkov", WRONG),  # two transpositions
    ("Mlaenkvo", "Malenkov", WRONG),
    ("Nikta Khruschev", "Nikita Khrushchev", WRONG),  # slips in two words
    ("Khruschev Nikita", "Nikita Khrushchev", WRONG),
    ("Khruschev speech", "Khrushchev", WRONG),  # a slip and an extra word
    ("Tita", "Tito", WRONG),  # too short
    ("Titoo", "Tito", WRONG),
    ("Nagi", "Nagy", WRONG),
    # a word written in two parts, or hyphenated, is the word; never so for numbers
    ("Khrush chev", "Khrushchev", CORRECT),
    ("super-power", "superpower", CORRECT),
    ("super power", "superpower", CORRECT),
    ("destalinisation", "De-Stalinisation", CORRECT),
    ("19 56", "1956", WRONG),
    ("super powers", "superpower", ALMOST),
    ("1965", "1956", WRONG),  # transposed digits are not a slip
    ("51,493", "51,439", WRONG),
    ("25 Febuary 1956", "25 February 1956", ALMOST),  # a misspelt month is a slip in a word
    ("25 Marhc 1956", "25 March 1956", ALMOST),
    ("25 Febuary 1956", "25/2/1956", WRONG),  # ...but only against the same words
    ("25 Febuary 1957", "25 February 1956", WRONG),
    ("Jnue 1956", "June 1956", WRONG),  # too short
    ("1956-02-52", "1956-02-25", WRONG),
    ("T-34s", "T-34", WRONG),
    ("Berias", "Beria", ALMOST),
    # lists name their items in no set order
    ("Beria and Malenkov", "Malenkov and Beria", CORRECT),
    ("Malenkov, Beria", "Malenkov and Beria", CORRECT),
    ("Malenkov,Beria", "Beria and Malenkov", CORRECT),
    ("malenkov & beria", "Malenkov and Beria", CORRECT),
    ("Kaganovich; Molotov & Malenkov", "Molotov, Malenkov and Kaganovich", CORRECT),
    ("Beria", "Malenkov and Beria", WRONG),  # one item missing
    ("Beria, Malenkov, Molotov", "Malenkov and Beria", WRONG),  # one too many
    ("Beria and Beria", "Malenkov and Beria", WRONG),
    ("439,51", "51,439", WRONG),
    # empty answers
    ("", "Khrushchev", WRONG),
    ("   ", "Khrushchev", WRONG),
    ("\t\n", "Khrushchev", WRONG),
    ("...", "Khrushchev", WRONG),
    ("", "", WRONG),
    ("...", "...", WRONG),
]


@pytest.mark.parametrize(("typed", "expected", "want"), CASES, ids=[repr(c[:2]) for c in CASES])
def test_rules(typed: str, expected: str, want: Verdict) -> None:
    assert verdict(typed, expected) is want


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("  The  Secret\tSpeech. ", "secret speech"),
        ("25th of February, 1956", "1956-02-25"),
        ("June 1956", "1956-06"),
        ("5 March", "--03-05"),
        ("51,439", "51439"),
        ("51.439", "51.439"),
        ("U.S.S.R.", "ussr"),
        ("Khrushchev’s", "khrushchevs"),
        ("1950's", "1950s"),
        ("Molotov–Ribbentrop Pact", "molotov ribbentrop pact"),
        ("Straße", "strasse"),
        ("1910-11", "1910-11"),  # read as November 1910: YYYY-MM is always a month
        ("31 February 1956", "31 february 1956"),
        ("", ""),
        (" ¿¡ ", ""),
    ],
)
def test_normalise(text: str, canonical: str) -> None:
    assert normalise(text) == canonical


def test_verdict_values_are_strings() -> None:
    assert [v.value for v in Verdict] == ["correct", "almost", "wrong"]


@pytest.mark.parametrize(("want", "passed"), [(CORRECT, True), (ALMOST, True), (WRONG, False)])
def test_passed(want: Verdict, passed: bool) -> None:
    typed = {CORRECT: "Khrushchev", ALMOST: "Khruschev", WRONG: "Stalin"}[want]
    match = check_answer(typed, "Khrushchev")
    assert match.verdict is want
    assert match.passed is passed


# --- aliases -----------------------------------------------------------------------------------


def test_alias_matches_and_is_reported() -> None:
    match = check_answer("25/2/1956", "The 20th Party Congress", ["25 February 1956"])
    assert match.verdict is CORRECT
    assert match.expected == "25 February 1956"


def test_first_matching_form_is_reported() -> None:
    match = check_answer("kgb", "KGB", ["The KGB", "K.G.B."])
    assert (match.verdict, match.expected) == (CORRECT, "KGB")


def test_correct_alias_beats_almost_answer() -> None:
    match = check_answer("Malenkov", "Malenkof", ["Malenkov"])
    assert (match.verdict, match.expected) == (CORRECT, "Malenkov")


def test_almost_against_alias() -> None:
    match = check_answer("Khruschev", "Nikita Sergeyevich Khrushchev", ["Khrushchev"])
    assert (match.verdict, match.expected) == (ALMOST, "Khrushchev")


def test_wrong_reports_closest_form() -> None:
    match = check_answer("Vyacheslav Mikoyan", "Molotov", ["Vyacheslav Molotov", "Kaganovich"])
    assert (match.verdict, match.expected) == (WRONG, "Vyacheslav Molotov")


def test_wrong_reports_answer_on_tie_and_for_blank() -> None:
    assert check_answer("zzz", "Beria", ["Nagy"]).expected == "Beria"
    assert check_answer("  ", "Beria", ["Nagy"]).expected == "Beria"


def test_wrong_when_matching_no_form() -> None:
    assert verdict("Bulganin", "Malenkov", ["Georgy Malenkov"]) is WRONG


def test_accept_as_single_string_is_one_answer() -> None:
    match = check_answer("25/2/1956", "25 February 1957", "25 February 1956")
    assert (match.verdict, match.expected) == (CORRECT, "25 February 1956")
    assert verdict("2", "25 February 1957", "25 February 1956") is WRONG


# --- diff --------------------------------------------------------------------------------------


def segments(match: Match) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in match.diff]


def test_diff_shows_missing_separator() -> None:
    match = check_answer("51439", "51,439")
    assert segments(match) == [("same", "51"), ("missing", ","), ("same", "439")]


def test_diff_substitution_shows_typed_then_expected() -> None:
    match = check_answer("Berla", "Beria")
    assert segments(match) == [("same", "Ber"), ("extra", "l"), ("missing", "i"), ("same", "a")]


def test_diff_is_case_insensitive_and_keeps_expected_characters() -> None:
    match = check_answer("the kgb", "The KGB")
    assert segments(match) == [("same", "The KGB")]
    assert [s.as_typed for s in match.diff] == ["the kgb"]


def test_diff_of_extra_text() -> None:
    match = check_answer("Kaganovich, Molotov", "Molotov")
    assert segments(match) == [("extra", "Kaganovich, "), ("same", "Molotov")]


def test_diff_of_blank_answer() -> None:
    assert segments(check_answer("", "Beria")) == [("missing", "Beria")]
    assert segments(check_answer("", "")) == []


def test_diff_of_long_texts_is_coarse_but_complete() -> None:
    expected = "a" * 3000 + "z"
    typed = "b" * 3000 + "Z"
    match = check_answer(typed, expected)
    assert segments(match) == [("extra", "b" * 3000), ("missing", "a" * 3000), ("same", "z")]


def test_long_identical_answer_is_one_segment() -> None:
    text = "Khrushchev " * 500
    match = check_answer(text.upper(), text)
    assert match.verdict is CORRECT
    assert segments(match) == [("same", text)]


# --- hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\ud800\udfff",  # lone surrogates
        "\x00\x01\x1b[31mred\x1b[0m\x7f",
        "\u202e\u200f\ufeff",
        "\U0010ffff\U000e0001",
        "1" * 30_000,
        "feb." * 8_000,
        "1,000," * 5_000,
        "25/" * 10_000,
    ],
    ids=["surrogates", "controls", "bidi", "unassigned", "digits", "feb", "thousands", "slashes"],
)
def test_hostile_input_never_raises(text: str) -> None:
    match = check_answer(text, text[::-1], [text, text[1:]])
    assert isinstance(match.verdict, Verdict)
    assert "".join(s.text for s in match.diff if s.kind != "extra") == match.expected
    assert normalise(normalise(text)) == normalise(text)


# --- properties --------------------------------------------------------------------------------

# Characters that make the interesting cases likely: letters, digits, the punctuation the rules
# are about, a few accented letters.
ANSWERY = st.text(
    alphabet=st.sampled_from(
        list("abcdeKhrusFEBTH 0123456789 .,;:!?'\"()-/") + list("–—’“”éÖßñ\u2009\t")
    ),
    max_size=30,
)
# Fragments that join into numbers, dates and near-dates.
FRAGMENTS = [
    "1", "25", "1956", "02", "000", "439", "/", ".", "-", ",", " ", "'", "_", "–",
    "feb", "February", "june", "th", "of ", "the ", "may", "--", "\u2009",
]  # fmt: skip
DATEISH = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=40), ANSWERY, DATEISH)

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(ANY_TEXT)
def test_answer_matches_itself(text: str) -> None:
    assume(text.strip() and normalise(text))
    match = check_answer(text, text)
    assert match.verdict is CORRECT
    assert segments(match) == [("same", text)]


@FAST
@given(ANY_TEXT, ANY_TEXT, st.lists(ANY_TEXT, max_size=3))
def test_check_answer_never_raises(typed: str, expected: str, accept: list[str]) -> None:
    match = check_answer(typed, expected, accept)
    assert isinstance(match.verdict, Verdict)
    assert match.expected in [expected, *accept]
    assert match.typed == typed


@FAST
@given(ANY_TEXT)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip()
    assert "  " not in once


def _edited(text: str, data: st.DataObject) -> str:
    """The text itself, or with one character changed, dropped or added."""
    choice = data.draw(st.sampled_from(["same", "drop", "change", "add"]))
    if choice == "same" or not text:
        return text
    i = data.draw(st.integers(0, len(text) - 1))
    char = data.draw(st.sampled_from("aEz9 .-"))
    return {
        "drop": text[:i] + text[i + 1 :],
        "change": text[:i] + char + text[i + 1 :],
        "add": text[:i] + char + text[i:],
    }[choice]


@FAST
@given(expected=st.one_of(ANSWERY, DATEISH), data=st.data())
def test_case_whitespace_and_punctuation_around_do_not_matter(
    expected: str, data: st.DataObject
) -> None:
    typed = _edited(expected, data)
    before = data.draw(st.text(alphabet='"()[]!?;:, \t\u00a0', max_size=3))
    after = data.draw(st.text(alphabet='"()[]!?;:,. \t\u00a0', max_size=3))
    varied = before + typed.swapcase() + after
    assert verdict(varied, expected) is verdict(typed, expected)


SEPARATORS = [",", " ", "\u2009", "\u202f", "\u00a0", "'", "’", "_"]


@FAST
@given(st.integers(1000, 10**15), st.sampled_from(SEPARATORS), st.booleans())
def test_thousands_separators(number: int, separator: str, in_text: bool) -> None:
    grouped = f"{number:,}".replace(",", separator)
    plain = str(number)
    assert verdict(grouped, f"{number:,}") is CORRECT
    if in_text:
        grouped, plain = f"about {grouped} prisoners", f"About {plain} prisoners"
    assert verdict(grouped, plain) is CORRECT
    assert verdict(plain, grouped) is CORRECT


@FAST
@given(st.integers(1000, 10**15), st.integers(1, 10**6), st.sampled_from(SEPARATORS))
def test_different_numbers_do_not_match(number: int, delta: int, separator: str) -> None:
    grouped = f"{number + delta:,}".replace(",", separator)
    assert verdict(grouped, str(number)) is WRONG


@FAST
@given(st.integers(10_000, 10**15), st.sampled_from(SEPARATORS), st.data())
def test_misplaced_separator_does_not_match(
    number: int, separator: str, data: st.DataObject
) -> None:
    plain = str(number)
    positions = [i for i in range(1, len(plain)) if (len(plain) - i) % 3]
    i = data.draw(st.sampled_from(positions))
    assert verdict(plain[:i] + separator + plain[i:], plain) is WRONG


MONTHS = [datetime.date(2000, m, 1).strftime("%B") for m in range(1, 13)]


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


DATE_FORMATS = [
    "{d} {B} {Y}",
    "{dd} {B} {Y}",
    "{d} {b} {Y}",
    "{d} {b}. {Y}",
    "{o} {B} {Y}",
    "{o} of {B}, {Y}",
    "{B} {d}, {Y}",
    "{b} {o} {Y}",
    "{Y}-{mm}-{dd}",
    "{Y}/{mm}/{dd}",
    "{dd}/{mm}/{Y}",
    "{d}/{m}/{Y}",
    "{d}.{m}.{Y}",
    "{dd}-{mm}-{Y}",
    "{d} {BU} {Y}",
]
MONTH_YEAR_FORMATS = [
    "{B} {Y}",
    "{b} {Y}",
    "{b}. {Y}",
    "{B}, {Y}",
    "{Y}-{mm}",
    "{mm}/{Y}",
    "{m}/{Y}",
]


def _format(template: str, date: datetime.date) -> str:
    month = MONTHS[date.month - 1]
    return template.format(
        d=date.day,
        dd=f"{date.day:02d}",
        o=_ordinal(date.day),
        m=date.month,
        mm=f"{date.month:02d}",
        B=month,
        BU=month.upper(),
        b=month[:3],
        Y=f"{date.year:04d}",
    )


DATES = st.dates(datetime.date(1000, 1, 1), datetime.date(9999, 12, 31))


@FAST
@given(DATES, st.sampled_from(DATE_FORMATS), st.sampled_from(DATE_FORMATS), st.booleans())
def test_date_formats_match(date: datetime.date, first: str, second: str, in_text: bool) -> None:
    typed, expected = _format(first, date), _format(second, date)
    if in_text:
        typed, expected = f"on {typed} he spoke", f"On {expected}, he spoke"
    assert verdict(typed, expected) is CORRECT


@FAST
@given(DATES, st.integers(1, 400), st.sampled_from(DATE_FORMATS), st.sampled_from(DATE_FORMATS))
def test_different_dates_do_not_match(
    date: datetime.date, days: int, first: str, second: str
) -> None:
    assume(date <= datetime.date.max - datetime.timedelta(days=days))  # no overflow
    other = date + datetime.timedelta(days=days)
    assert verdict(_format(first, other), _format(second, date)) is WRONG


@FAST
@given(DATES, st.sampled_from(MONTH_YEAR_FORMATS), st.sampled_from(MONTH_YEAR_FORMATS))
def test_month_year_formats_match(date: datetime.date, first: str, second: str) -> None:
    assert verdict(_format(first, date), _format(second, date)) is CORRECT
    assume(date < datetime.date(9999, 12, 1))  # the next month must exist
    later = datetime.date(date.year + (date.month == 12), date.month % 12 + 1, 1)
    assert verdict(_format(first, later), _format(second, date)) is WRONG


def _check_diff(match: Match) -> None:
    diff = match.diff
    assert all(isinstance(s, Segment) and s.text for s in diff)
    assert all(a.kind != b.kind for a, b in itertools.pairwise(diff))
    # "same" runs carry the expected form's characters, so expected is rebuilt exactly and
    # the typed text up to case, character by character.
    assert "".join(s.text for s in diff if s.kind != "extra") == match.expected
    rebuilt = "".join(s.text for s in diff if s.kind != "missing")
    assert len(rebuilt) == len(match.typed)
    assert all(a.casefold() == b.casefold() for a, b in zip(rebuilt, match.typed, strict=True))
    # ...and each run also keeps what was typed, so the typed text is shown exactly as typed.
    assert "".join(s.as_typed for s in diff) == match.typed
    assert all(s.typed.casefold() == s.text.casefold() for s in diff if s.kind == "same")


@FAST
@given(ANY_TEXT, ANY_TEXT, st.lists(ANY_TEXT, max_size=2))
def test_diff_rebuilds_both_texts(typed: str, expected: str, accept: list[str]) -> None:
    _check_diff(check_answer(typed, expected, accept))


@settings(max_examples=20, deadline=None)
@given(
    st.text(alphabet="abAB ", min_size=900, max_size=1300), st.text(alphabet="abAB ", max_size=1300)
)
def test_diff_rebuilds_long_texts(typed: str, expected: str) -> None:
    _check_diff(check_answer(typed, expected))
