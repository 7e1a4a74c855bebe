"""Content checks for the bundled deck decks/khrushchev-destalinisation.toml.

The deck is written from a revision note (the "seed", kept in ../shared/seed/ next to this
checkout). These tests keep the deck honest against it:

* every year and number on a card occurs in the seed;
* every proper name (capitalised word) on a card occurs in the seed;
* no card copies a long run of the seed's wording;
* the deck has the expected shape (enough cards, unique ids, sections, tags).

Where the deck goes beyond the note (a slip corrected, a date the note leaves out, another
spelling of a name a student may type), decks/khrushchev-destalinisation.corrections.toml
records it: the cards, what the note says, what is right and a reference. A word or number the
seed lacks is allowed on a card only if an entry listing that card allows it, and every entry
must be used.

The seed is not part of the repository. CI has it (STALINDECK_SEED_DIR may point at it); where
it is missing, the seed-dependent tests are skipped rather than failed.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

DECK_PATH = Path(__file__).resolve().parents[1] / "decks" / "khrushchev-destalinisation.toml"
CORRECTIONS_PATH = DECK_PATH.with_name("khrushchev-destalinisation.corrections.toml")
SEED_DIR = Path(
    os.environ.get("STALINDECK_SEED_DIR") or Path(__file__).resolve().parents[2] / "shared" / "seed"
)

MIN_CARDS = 80
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
VERBATIM_RUN = 8  # this many consecutive seed words on a card counts as copying

# The note's section headings, as they appear (each must also be a line of the seed).
SECTION_HEADINGS = {
    "Summary",
    "Stalin's legacy",
    "Leadership struggle",
    "Examiner Tips and Tricks",
    "The 20th Party Congress & the 'Secret Speech', 1956",
    "The crisis of 1957",
    "The process of de-Stalinisation",
    "Impacts of de-Stalinisation",
    "How successful was de-Stalinisation?",
}

# Titles of the speech and of works cited in the note. They are facts, so cards quote them in
# full; they are cut out of card text before the verbatim-copying check. Each must occur in
# the seed (checked below), so this list cannot be used to smuggle in copied prose.
TITLES = [
    "On the Cult of Personality and Its Consequences",
    "One Day in the Life of Ivan Denisovich",
    "The Politics of Soviet De-Stalinization",
    "Khrushchev and Khrushchevism",
    "A History of Modern Russia from Nicholas II to Vladimir Putin",
    "The Post-Stalin Era: de-Stalinization, daily life, and dissent",
    "Revolutionary Russia, 1891-1991",
    "The Shortest History of the Soviet Union",
]

# Capitalised words that are not names and do not occur in the seed in any case, but that
# cards need when they begin a question or clause. Keep this small; every entry says why.
COMMON_WORDS: dict[str, str] = {
    "Which": "question word opening many fronts ('Which organisation backed Beria ...?')",
    "Why": "question word opening fronts that ask for causes ('Why was Beria feared?')",
    "Besides": "opens fronts that rule out one answer ('Besides fear and repression, ...')",
}

# A few seed facts the deck must teach (a coverage guard, not a full list).
KEY_FACTS = [
    "51,439",
    "1989",
    "1941",
    "1961",
    "25 February 1956",
    "February 1955",
    "March 1958",
    "June 1953",
    "Deputy Premier",
    "MVD",
    "KGB",
    "GULAG",
    "Polish Communist Party",
    "New York Times",
    "Lenin's Testament",
    "Old Bolsheviks",
    "Molotov",
    "Kaganovich",
    "Brezhnev",
    "Hungary",
    "Tbilisi",
    "Georgia",
    "Poland",
    "No new Stalin",
    "cult of the individual",
    "22nd Party Congress",
    "Trotski",
    "Bukharin",
    "Robert C. Tucker",
    "Martin McCauley",
    "Robert Service",
    "Miriam Dobson",
    "Orlando Figes",
    "Sheila Fitzpatrick",
    *TITLES,
]


# ----------------------------------------------------------------------------- helpers

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise(s: str) -> str:
    """Curly quotes and apostrophes become straight ones."""
    return s.translate(_QUOTES)


CLOZE_RE = re.compile(r"\{\{(.+?)\}\}")


def cloze_parts(text: str) -> tuple[str, list[str]]:
    """The text with every deletion shown (``{{a::h}}`` -> ``a``), and the hints."""
    hints: list[str] = []

    def reveal(m: re.Match[str]) -> str:
        answer, _, hint = m.group(1).partition("::")
        if hint:
            hints.append(hint)
        return answer

    return CLOZE_RE.sub(reveal, text), hints


def deck_strings(deck: dict) -> list[tuple[str, str, str]]:
    """Every string in the deck as (where, field, value); cloze text is revealed."""
    out: list[tuple[str, str, str]] = []
    for key in ("id", "name", "description", "source"):
        if isinstance(deck.get(key), str) and key != "id":
            out.append((f"deck.{key}", key, deck[key]))
    for card in deck.get("cards", []):
        cid = card.get("id", "?")
        for key in ("front", "back", "answer", "extra", "section"):
            if isinstance(card.get(key), str):
                out.append((f"{cid}.{key}", key, card[key]))
        for i, alias in enumerate(card.get("accept", [])):
            out.append((f"{cid}.accept[{i}]", "accept", alias))
        for i, event in enumerate(card.get("order", [])):
            out.append((f"{cid}.order[{i}]", "order", event))
        if isinstance(card.get("text"), str):
            shown, hints = cloze_parts(card["text"])
            out.append((f"{cid}.text", "text", shown))
            for i, hint in enumerate(hints):
                out.append((f"{cid}.text.hint[{i}]", "hint", hint))
    return out


# Numbers: "51,439" is one number; digits glued to letters ("20th", "9HI0") still count.
NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+")
YEAR_RE = re.compile(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)")

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORD_NUMBER_RE = re.compile(
    r"\b(?:("
    + "|".join(_TENS)
    + r")(?:-("
    + "|".join(_UNITS[1:10])
    + r"))?|("
    + "|".join(_UNITS)
    + r"))\b",
    re.IGNORECASE,
)


def numbers_in(s: str) -> set[str]:
    return {str(int(m.group().replace(",", ""))) for m in NUMBER_RE.finditer(s)}


def word_numbers_in(s: str) -> set[str]:
    """Written-out cardinals in the seed ("twenty-one" -> "21"), so a card may use digits."""
    found = set()
    for m in WORD_NUMBER_RE.finditer(s):
        tens, unit, small = (g.lower() if g else g for g in m.groups())
        if small:
            found.add(str(_UNITS.index(small)))
        else:
            found.add(str(20 + 10 * _TENS.index(tens) + (_UNITS.index(unit) if unit else 0)))
    return found


# Words: letters/digits with inner apostrophes or hyphens; Unicode-aware through \w.
TOKEN_RE = re.compile(r"[^\W_][\w'-]*")
# A word starts a sentence, field or clause if it follows the start of the string, sentence or
# clause punctuation, a spaced dash, or an opening quote/bracket (whitespace in between allowed).
CLAUSE_START_RE = re.compile(r"(?:^|[.?!:;]|\s[-\u2013\u2014])[\s\"'(\[{]*$|[\"'(\[{]\s*$")


def _clean(token: str) -> str:
    token = token.rstrip("'-")
    if token.endswith("'s"):
        token = token[:-2]
    return token


def _is_capitalised(token: str) -> bool:
    return any(c.isupper() for c in token)


class SeedIndex:
    """What the seed contains: numbers, words (case-sensitive and folded), 8-word runs."""

    def __init__(self, text: str):
        self.text = normalise(text)
        self.lines = {line.strip() for line in self.text.splitlines()}
        self.numbers = numbers_in(self.text) | word_numbers_in(self.text)
        self.words: set[str] = set()
        for m in TOKEN_RE.finditer(self.text):
            token = _clean(m.group())
            self.words.add(token)
            self.words.update(p for p in token.split("-") if p)
        self.folded = {w.lower() for w in self.words}
        words = run_words(self.text)
        self.runs = {
            tuple(words[i : i + VERBATIM_RUN]) for i in range(len(words) - VERBATIM_RUN + 1)
        }

    def has_word(self, token: str, fold: bool) -> bool:
        known = self.folded if fold else self.words
        key = (lambda w: w.lower()) if fold else (lambda w: w)
        if key(token) in known:
            return True
        parts = [p for p in token.split("-") if p and (fold or _is_capitalised(p))]
        return bool(parts) and all(key(p) in known for p in parts)


def invented_numbers(s: str, seed: SeedIndex) -> list[str]:
    return sorted(n for n in numbers_in(normalise(s)) if n not in seed.numbers)


def invented_years(s: str, seed: SeedIndex) -> list[str]:
    return sorted(y for y in YEAR_RE.findall(normalise(s)) if y not in seed.numbers)


def invented_names(s: str, seed: SeedIndex, allowed: set[str] = frozenset()) -> list[str]:
    """Capitalised words of `s` that the seed does not contain.

    Inside a sentence a capitalised word must occur in the seed with the same capitals.
    At the start of a sentence, field or clause, capitals prove nothing, so the word may occur
    in the seed in any case; only words the seed lacks entirely are flagged there.
    """
    s = normalise(s)
    bad = []
    for m in TOKEN_RE.finditer(s):
        token = _clean(m.group())
        if not token or not _is_capitalised(token) or token in allowed:
            continue
        initial = bool(CLAUSE_START_RE.search(s[: m.start()]))
        if not seed.has_word(token, fold=initial):
            bad.append(token)
    return bad


def run_words(s: str) -> list[str]:
    s = normalise(s).lower().replace("'", "")
    return re.sub(r"[^\w]+|_", " ", s).split()


def copied_runs(s: str, seed: SeedIndex) -> list[str]:
    """Runs of VERBATIM_RUN words shared with the seed, once titles are cut out of `s`."""
    segments = [normalise(s)]
    for title in TITLES:
        pattern = re.compile(re.escape(normalise(title)), re.IGNORECASE)
        segments = [piece for seg in segments for piece in pattern.split(seg)]
    hits = []
    for seg in segments:
        words = run_words(seg)
        for i in range(len(words) - VERBATIM_RUN + 1):
            run = tuple(words[i : i + VERBATIM_RUN])
            if run in seed.runs:
                hits.append(" ".join(run))
    return hits


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def deck() -> dict:
    with DECK_PATH.open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def seed() -> SeedIndex:
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not files:
        pytest.skip(f"seed text not found in {SEED_DIR}")
    return SeedIndex("\n".join(p.read_text(encoding="utf-8") for p in files))


class Entry:
    """One [[corrections]] or [[alternatives]] entry of the corrections file."""

    def __init__(self, table: str, index: int, raw: dict) -> None:
        self.table = table
        self.where = f"{CORRECTIONS_PATH.name}: {table}[{index}]"
        self.cards: list[str] = raw["cards"]
        self.note: str = raw["note"]
        self.right: str = raw.get("right") or raw.get("forms", "")
        self.reference: str = raw.get("reference", "")
        self.allows: list[str] = raw["allows"]


class Corrections:
    """The corrections file: which card may use which word or number the note lacks.

    A correction's words may appear anywhere on its cards; an alternative's only in their
    `accept` lists (another way to write the note's fact is accepted, never taught).
    """

    def __init__(self, data: dict) -> None:
        self.works: list[dict] = data["works"]
        self.entries = [
            Entry(table, i, raw)
            for table in ("corrections", "alternatives")
            for i, raw in enumerate(data.get(table, []))
        ]
        self.all_allowed = {word for entry in self.entries for word in entry.allows}

    def allowed(self, card: str | None, field: str) -> set[str]:
        return {
            word
            for entry in self.entries
            if card in entry.cards and (entry.table == "corrections" or field == "accept")
            for word in entry.allows
        }


@pytest.fixture(scope="module")
def corrections() -> Corrections:
    with CORRECTIONS_PATH.open("rb") as f:
        return Corrections(tomllib.load(f))


@pytest.fixture(scope="module")
def strings(deck: dict) -> list[tuple[str, str, str]]:
    return deck_strings(deck)


# ----------------------------------------------------------------------------- deck shape


def test_deck_header(deck: dict) -> None:
    assert deck["id"] == "khrushchev-destalinisation"
    assert deck["name"] == "Khrushchev & De-Stalinisation"
    for key in ("description", "source"):
        assert isinstance(deck.get(key), str) and deck[key].strip()
    assert "9hi0" in deck.get("tags", [])


def test_enough_cards_with_unique_slug_ids(deck: dict) -> None:
    cards = deck["cards"]
    assert len(cards) >= MIN_CARDS
    ids = [c["id"] for c in cards]
    assert all(SLUG_RE.match(i) for i in ids), [i for i in ids if not SLUG_RE.match(i)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates


def test_every_card_has_known_section_and_topic_tags(deck: dict) -> None:
    for card in deck["cards"]:
        assert card.get("section") in SECTION_HEADINGS, card["id"]
        tags = card.get("tags", [])
        assert tags, f"{card['id']}: no topic tag"
        assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", t) for t in tags), card["id"]


def test_card_kinds_follow_the_format(deck: dict) -> None:
    for card in deck["cards"]:
        cid = card["id"]
        if "text" in card:
            assert "front" not in card and "back" not in card, cid
            assert "answer" not in card and "accept" not in card, cid
            assert "reverse" not in card, cid
            assert CLOZE_RE.search(card["text"]), cid
            assert card["text"].count("{{") == card["text"].count("}}"), cid
        elif "order" in card:
            assert "back" not in card and "answer" not in card and "accept" not in card, cid
            assert 2 <= len(card["order"]) <= 9, cid
        else:
            assert card.get("front") and card.get("back"), cid
            assert "type" not in card, cid
            if card.get("reverse"):
                assert "answer" not in card, cid
            if "accept" in card:
                assert "answer" in card, cid


def test_the_chronology_cards_overlap_and_agree(deck: dict) -> None:
    chunks = [card["order"] for card in deck["cards"] if "order" in card]
    assert len(chunks) >= 4
    # Every event seen in one card has the same neighbours in order wherever it appears:
    # the "earlier than" pairs of all the cards together have no cycle.
    earlier = {(a, b) for chunk in chunks for i, a in enumerate(chunk) for b in chunk[i + 1 :]}
    assert not {(a, b) for a, b in earlier if (b, a) in earlier}
    # Each chunk shares an event with another, so the sequence is asked across its links.
    for i, chunk in enumerate(chunks):
        others = {event for j, other in enumerate(chunks) if j != i for event in other}
        assert set(chunk) & others, chunk


def test_key_facts_are_covered(strings: list[tuple[str, str, str]]) -> None:
    everything = "\n".join(normalise(v) for _, _, v in strings)
    missing = [fact for fact in KEY_FACTS if normalise(fact) not in everything]
    assert not missing


# ----------------------------------------------------------------------------- against the seed


def test_sections_are_seed_headings(seed: SeedIndex) -> None:
    missing = [h for h in SECTION_HEADINGS if normalise(h) not in seed.lines]
    assert not missing


def test_titles_and_key_facts_come_from_the_seed(seed: SeedIndex) -> None:
    missing = [t for t in KEY_FACTS if normalise(t) not in seed.text]
    assert not missing


def _card_of(where: str) -> str | None:
    return None if where.startswith("deck.") else where.split(".", 1)[0]


def test_years_appear_in_seed(seed: SeedIndex, strings, corrections: Corrections) -> None:
    bad = {}
    for where, field, value in strings:
        allowed = corrections.allowed(_card_of(where), field)
        found = [y for y in invented_years(value, seed) if y not in allowed]
        if found:
            bad[where] = found
    assert not bad


def test_numbers_appear_in_seed(seed: SeedIndex, strings, corrections: Corrections) -> None:
    bad = {}
    for where, field, value in strings:
        allowed = corrections.allowed(_card_of(where), field)
        found = [n for n in invented_numbers(value, seed) if n not in allowed]
        if found:
            bad[where] = found
    assert not bad


def test_names_appear_in_seed(seed: SeedIndex, strings, corrections: Corrections) -> None:
    bad = {}
    for where, field, value in strings:
        allowed = set(COMMON_WORDS) | corrections.allowed(_card_of(where), field)
        found = invented_names(value, seed, allowed)
        if found:
            bad[where] = found
    assert not bad


def test_allowlisted_words_are_really_absent_from_seed(
    seed: SeedIndex, corrections: Corrections
) -> None:
    # An allowlist entry the seed already contains is dead weight; drop it.
    for word in COMMON_WORDS:
        assert word.lower() not in seed.folded, word
    for entry in corrections.entries:
        for word in entry.allows:
            present = word in seed.numbers if word.isdigit() else word in seed.words
            assert not present, f"{entry.where}: {word!r} is in the note: no need to allow it"


def test_every_correction_is_complete_and_used(
    deck: dict, strings, corrections: Corrections
) -> None:
    ids = {card["id"] for card in deck["cards"]}
    by_card: dict[str, list[tuple[str, str]]] = {}
    for where, field, value in strings:
        if (card := _card_of(where)) is not None:
            by_card.setdefault(card, []).append((field, normalise(value)))
    for entry in corrections.entries:
        assert entry.cards, f"{entry.where}: lists no cards"
        unknown = [card for card in entry.cards if card not in ids]
        assert not unknown, f"{entry.where}: no such cards {unknown}"
        assert entry.note.strip() and entry.right.strip(), entry.where
        if entry.table == "corrections":
            # A reference is a published work with its year.
            assert re.search(r"\(\d{4}\)|\b\d{4}\b", entry.reference), entry.where
        for word in entry.allows:
            used = any(
                (entry.table == "corrections" or field == "accept")
                and (
                    word in numbers_in(value)
                    if word.isdigit()
                    else re.search(rf"(?<![\w-]){re.escape(word)}(?![\w])", value)
                )
                for card in entry.cards
                for field, value in by_card.get(card, [])
            )
            assert used, f"{entry.where}: {word!r} is allowed but no listed card uses it"


def test_cards_that_depart_from_the_note_are_recorded(deck: dict, corrections: Corrections) -> None:
    # A card whose `extra` says how the note puts something departs from the note: an entry
    # in the corrections file must say why, with a reference.
    recorded = {card for entry in corrections.entries for card in entry.cards}
    unrecorded = [
        card["id"]
        for card in deck["cards"]
        if re.search(r"\bnote\b", card.get("extra", "")) and card["id"] not in recorded
    ]
    assert not unrecorded


def test_no_card_asks_what_the_note_says(deck: dict) -> None:
    # Cards teach what happened; only `extra` may say how the note puts it.
    asking = [
        card["id"]
        for card in deck["cards"]
        if any(re.search(r"\bnote\b", card.get(key, "")) for key in ("front", "back", "text"))
    ]
    assert not asking


def test_work_years_match_their_publication(deck: dict, strings, corrections: Corrections) -> None:
    years = {normalise(work["title"]): work["year"] for work in corrections.works}
    names = {normalise(work["author"]): work["year"] for work in corrections.works}
    assert set(years) == {normalise(t) for t in TITLES[2:]}  # every work quoted, no other
    for work in corrections.works:
        if work["year"] != work["note_year"]:  # the note's year is a slip: recorded
            assert str(work["year"]) in corrections.all_allowed, work["title"]
    wrong = []
    for where, _field, value in strings:
        for name, year in (*years.items(), *names.items()):
            for found in re.finditer(rf"{re.escape(name)},? \((\d{{4}})\)", normalise(value)):
                if int(found.group(1)) != year:
                    wrong.append((where, name, found.group(1)))
    assert not wrong


def test_the_importer_does_not_take_the_corrections_for_a_deck() -> None:
    from stalindeck.decks.toml_deck import deck_files

    assert CORRECTIONS_PATH.is_file()
    assert deck_files([DECK_PATH.parent]) == [DECK_PATH]


def test_no_long_verbatim_copying(seed: SeedIndex, strings) -> None:
    # `section` is exempt: it must repeat the note's heading exactly (checked above).
    bad = {where: copied_runs(v, seed) for where, field, v in strings if field != "section"}
    assert not {k: v for k, v in bad.items() if v}


# ------------------------------------------------------------------------ the checkers can fail

SYNTHETIC_SEED = (
    "Khrushchev gave the Secret Speech in 1956 to the 20th Party Congress. "
    "In June 1956, 51,439 prisoners were released. A military unit killed twenty-one people."
)


def test_checker_flags_invented_names() -> None:
    seed = SeedIndex(SYNTHETIC_SEED)
    assert invented_names("In 1956 Khrushchev fell out with Zhukov.", seed) == ["Zhukov"]
    assert invented_names("Zhukov backed Khrushchev.", seed) == ["Zhukov"]
    assert invented_names("Who gave the speech? Zhukov.", seed, {"Who"}) == ["Zhukov"]
    assert invented_names("The speech was given by Khrushchev's team.", seed) == []
    # Mid-sentence capitals must match the seed's own: "Speech" is fine, "Released" is not.
    assert invented_names("Khrushchev read the Secret Speech.", seed) == []
    assert invented_names("Prisoners were Released.", seed) == ["Released"]
    assert invented_names("Beria died in December.", seed, {"December"}) == ["Beria"]


def test_checker_flags_invented_numbers_and_years() -> None:
    seed = SeedIndex(SYNTHETIC_SEED)
    assert invented_numbers("The speech was in 1956 at the 20th Congress.", seed) == []
    assert invented_numbers("In 1962, 51,440 were freed.", seed) == ["1962", "51440"]
    assert invented_numbers("51439 prisoners; 21 people killed", seed) == []
    assert invented_years("He fell in 1964.", seed) == ["1964"]


def test_checker_flags_verbatim_copying() -> None:
    seed = SeedIndex(SYNTHETIC_SEED + " " + TITLES[0] + ".")
    assert copied_runs("Khrushchev gave the Secret Speech in 1956 to the 20th", seed)
    assert not copied_runs("In 1956 Khrushchev addressed the 20th Party Congress in secret", seed)
    assert not copied_runs(f"The speech was called {TITLES[0]}.", seed)


def test_cloze_is_revealed_and_hints_collected() -> None:
    shown, hints = cloze_parts("In {{June 1956}}, {{51,439}} left the {{GULAG::camp system}}.")
    assert shown == "In June 1956, 51,439 left the GULAG."
    assert hints == ["camp system"]
