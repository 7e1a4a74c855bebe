"""Every typed card of the bundled deck accepts what an examiner would accept, and no other fact.

For each typed card: answers a good student writes (titles, transliterations, synonyms,
approximate figures) that must count as right, and near misses that name a different fact and
must not. A typed card added to the deck without an entry here fails the coverage test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stalindeck.decks.model import CardSpec, Kind
from stalindeck.decks.toml_deck import load_deck
from stalindeck.review.matcher import Verdict, check_answer

DECK = Path(__file__).resolve().parents[1] / "decks" / "khrushchev-destalinisation.toml"

BERIA = ["Beria", "beria", "Lavrentiy Beria", "Lavrenty Beria", "Lavrenti Beria", "Lavrentii Beria"]

# card key -> (answers that are right, answers that are wrong)
ANSWERS: dict[str, tuple[list[str], list[str]]] = {
    "summary-secret-speech/c1": (["20th", "20", "twentieth"], ["19th", "22nd"]),
    "summary-secret-speech/c2": (["1956"], ["1953", "1961"]),
    "legacy-superpower": (
        ["superpower", "a superpower", "super power", "a world superpower"],
        ["a great empire", "a republic"],
    ),
    "legacy-harmful-effects": (
        ["inefficiency", "Inefficiency in government and the economy"],
        ["fear", "repression", "terror"],
    ),
    "legacy-death-year": (
        ["1953", "March 1953", "5 March 1953", "5th March 1953"],
        ["1952", "1956", "March 1956", "5 March 1952"],
    ),
    "beria-secret-police": (BERIA, ["Malenkov", "Khrushchev", "Molotov"]),
    "beria-power-base": (
        ["MVD", "the MVD", "M.V.D.", "the secret police", "Ministry of Internal Affairs"],
        ["KGB", "the army", "the Party"],
    ),
    "beria-deputy-premier": (
        [
            "Deputy Premier",
            "deputy premier",
            "Deputy Prime Minister",
            "Deputy Chairman of the Council of Ministers",
            "Deputy Premier of the USSR",
            "Deputy Prime Minister of the USSR",
            "Deputy PM",
        ],
        ["Premier", "Prime Minister", "PM", "head of the secret police", "First Secretary"],
    ),
    "beria-fall": (
        ["June 1953", "Jun 1953", "06/1953", "1953-06", "26 June 1953"],
        ["December 1953", "June 1956", "26 June 1956"],
    ),
    "beria-executed": (
        ["December 1953", "Dec 1953", "23 December 1953", "23 Dec 1953"],
        ["June 1953", "December 1954", "26 June 1953"],
    ),
    "malenkov-designated-successor": (
        ["Malenkov", "Georgy Malenkov", "Georgii Malenkov", "Georgi Malenkov", "Georgiy Malenkov"],
        ["Beria", "Khrushchev", "Molotov"],
    ),
    "malenkov-ally": (BERIA, ["Khrushchev", "Molotov"]),
    "malenkov-khrushchev-partnership": (
        ["Khrushchev", "Nikita Khrushchev", "khrushchev"],
        ["Beria", "Molotov", "Kaganovich"],
    ),
    "malenkov-loses-premiership": (
        [
            "Premier",
            "Prime Minister",
            "the premiership",
            "Soviet Premier",
            "Chairman of the Council of Ministers",
            "head of government",
            "Premier of the USSR",
            "Prime Minister of the USSR",
            "Chairman of the Council of Ministers of the USSR",
            "PM",
        ],
        [
            "First Secretary",
            "Deputy Premier",
            "Deputy PM",
            "President",
            "head of the secret police",
        ],
    ),
    "malenkov-fall-date": (["February 1955", "Feb 1955", "02/1955"], ["February 1956", "1958"]),
    "khrushchev-post": (
        [
            "First Secretary",
            "First Secretary of the Communist Party",
            "First Secretary of the Central Committee",
            "First Secretary of the CPSU",
            "Secretary of the Central Committee",
            "Central Committee Secretary",
            "Party First Secretary",
            "First Secretary of the CPSU Central Committee",
            "First Secretary of the Central Committee of the CPSU",
        ],
        ["Premier", "General Secretary", "Prime Minister", "Deputy Premier"],
    ),
    "speech-date": (
        [
            "25 February 1956",
            "25 Feb 1956",
            "25/02/1956",
            "1956-02-25",
            "February 25th, 1956",
            "twenty-fifth of February 1956",
        ],
        ["24 February 1956", "25 February 1957", "February 1956"],
    ),
    "speech-length": (
        [
            "nearly four hours",
            "about four hours",
            "almost four hours",
            "about 4 hours",
            "four hours",
            "4 hours",
            "just under four hours",
            "around four hours",
        ],
        ["three hours", "five hours", "over four hours", "4 minutes", "about 40 hours"],
    ),
    "speech-collective-leadership/c1": (["collective leadership"], ["personal dictatorship"]),
    "speech-lenins-testament": (
        [
            "Lenin's Testament",
            "Lenins testament",
            "the Testament",
            "Letter to the Congress",
            "Lenin's Letter to the Congress",
            "Lenin's political testament",
            "the Testament of Lenin",
            "Letter to Congress",
            "Lenin's Letter to Congress",
        ],
        ["The Communist Manifesto", "State and Revolution", "Lenin's letter"],
    ),
    "speech-terror-lenin-legacy": (
        ["Lenin", "Lenin's", "Vladimir Lenin", "V. I. Lenin", "Vladimir Ilyich Lenin"],
        ["Marx", "Trotski", "Stalin"],
    ),
    "speech-published-ussr": (["1989"], ["1956", "1988", "1991"]),
    "speech-leak-route": (
        [
            "Polish Communist Party",
            "the Polish Communist Party",
            "the Polish party",
            "Polish communists",
            "Polish United Workers' Party",
            "PUWP",
        ],
        ["Hungarian Communist Party", "the CIA", "the Polish government"],
    ),
    "speech-printed": (
        ["New York Times", "The New York Times", "NY Times", "NYT", "the new york times"],
        ["The Times", "Washington Post", "New York Post"],
    ),
    "crisis-group-name": (
        ["Anti-Party Group", "the Anti-Party Group", "anti party group", "antiparty group"],
        ["Party Group", "the Old Bolsheviks"],
    ),
    "crisis-consolidation-when": (["March 1958", "Mar 1958", "03/1958"], ["March 1957", "1958"]),
    "reforms-prisoners-number": (
        [
            "51,439",
            "51439",
            "51 439",
            "about 51,000",
            "around 51,000",
            "over 50,000",
            "more than 50,000",
            "just over 51,000",
            "approximately 51,000",
            "approx. 51,000",
            "c. 51,000",
            "about fifty thousand",
            "over fifty thousand",
        ],
        [
            "51,493",
            "5,000",
            "about 500,000",
            "51",
            "over 60,000",
            "about 5,000",
            "about five thousand",
            "over five hundred thousand",
        ],
    ),
    "reforms-prisoners-when/c1": (["June 1956", "Jun 1956"], ["June 1953", "July 1956"]),
    "reforms-prisoners-when/c2": (["GULAG", "gulag", "Gulag"], ["KGB"]),
    "reforms-kgb-name": (
        ["KGB", "the KGB", "K.G.B.", "Committee for State Security"],
        ["MVD", "MGB", "NKVD"],
    ),
    "reforms-police-under-stalin": (
        ["MGB", "the MGB", "Ministry of State Security"],
        ["KGB", "MVD", "Ministry of Internal Affairs"],
    ),
    "reforms-ivan-denisovich": (
        [
            "One Day in the Life of Ivan Denisovich",
            "Ivan Denisovich",
            "One Day",
            "Solzhenitsyn's One Day in the Life of Ivan Denisovich",
        ],
        ["Doctor Zhivago", "The Gulag Archipelago", "Solzhenitsyn"],
    ),
    "reforms-fixed-terms": (
        [
            "fixed terms",
            "term limits",
            "fixed-term positions",
            "fixed term positions",
            "fixed terms of office",
            "limited terms",
            "fixed term limits",
            "term limits for Party posts",
        ],
        ["life terms", "elections", "terms", "terms of office"],
    ),
    "impacts-hungary": (
        ["Hungary", "the Hungarian uprising", "Hungarian revolution", "Hungary 1956"],
        ["Poland", "Georgia", "Czechoslovakia"],
    ),
    "impacts-brezhnev": (
        ["Brezhnev", "Leonid Brezhnev", "Leonid Ilyich Brezhnev"],
        ["Khrushchev", "Malenkov", "Stalin"],
    ),
    "tucker-no-new-stalin/c1": (["No new Stalin", "no new stalin"], ["No more Stalin"]),
    "service-cult-of-individual": (
        [
            "the cult of the individual",
            "cult of the individual",
            "cult of personality",
            "the cult of personality",
            "personality cult",
            "Stalin's cult of personality",
        ],
        ["Stalinism", "the one-party state", "the individual"],
    ),
    "fitzpatrick-tbilisi-place": (
        ["Tbilisi", "Tbilisi, Georgia", "Tbilisi in Georgia", "Georgia", "Tiflis"],
        ["Budapest", "Moscow", "Central Asia"],
    ),
    "fitzpatrick-tbilisi-deaths": (
        ["21", "twenty-one", "twenty one", "21 people", "twenty-one people"],
        ["12", "31", "210", "2"],
    ),
    "quote-tucker": (
        ["Tucker", "Robert C. Tucker", "Robert Tucker", "R. C. Tucker"],
        ["McCauley", "Service"],
    ),
    "quote-mccauley": (["McCauley", "Martin McCauley"], ["Tucker", "Figes"]),
    "quote-service": (["Service", "Robert Service"], ["Dobson", "Tucker"]),
    "quote-dobson": (["Dobson", "Miriam Dobson"], ["Service", "Fitzpatrick"]),
    "quote-figes": (["Figes", "Orlando Figes"], ["Fitzpatrick", "McCauley"]),
    "quote-fitzpatrick": (["Fitzpatrick", "Sheila Fitzpatrick"], ["Figes", "Dobson"]),
}


def _typed_cards() -> dict[str, CardSpec]:
    # Chronology cards are checked as orders (tests/test_chronology.py), not as answers.
    return {
        card.key: card
        for card in load_deck(DECK).cards
        if card.answer is not None and card.kind is not Kind.CHRONOLOGY
    }


TYPED = _typed_cards()


def test_every_typed_card_has_its_answers_listed() -> None:
    assert set(TYPED) == set(ANSWERS)


@pytest.mark.parametrize("key", sorted(ANSWERS))
def test_right_answers_are_accepted(key: str) -> None:
    card = TYPED[key]
    right, _wrong = ANSWERS[key]
    assert card.answer is not None
    verdicts = {typed: check_answer(typed, card.answer, card.accept).verdict for typed in right}
    assert {typed: v for typed, v in verdicts.items() if v is not Verdict.CORRECT} == {}


@pytest.mark.parametrize("key", sorted(ANSWERS))
def test_other_facts_are_refused(key: str) -> None:
    card = TYPED[key]
    _right, wrong = ANSWERS[key]
    assert card.answer is not None
    passed = [typed for typed in wrong if check_answer(typed, card.answer, card.accept).passed]
    assert passed == []
