"""Anki packages in and out, checked against the real Anki engine; hostile packages; TOML export."""

from __future__ import annotations

import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks import anki_package, cloze
from stalindeck.decks.anki_package import Package
from stalindeck.decks.foreign import CardHistory
from stalindeck.decks.formats import load_files
from stalindeck.decks.importing import import_paths
from stalindeck.decks.model import Kind, stored_rows
from stalindeck.decks.toml_deck import load_deck
from stalindeck.decks.toml_writer import cloze_text
from stalindeck.errors import DeckError, StalindeckError
from stalindeck.interop.apkg_export import export_apkg
from stalindeck.interop.history import replay
from stalindeck.interop.toml_export import export_deck_toml
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings, make_scheduler
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store.open import Store, open_store
from stalindeck.store.reviews import set_suspended

from .conftest import BUNDLED_DECK, T0

runner = CliRunner()
DAY_MS = 86_400_000
REVIEW_TIMES = [T0 - timedelta(days=20), T0 - timedelta(days=17), T0 - timedelta(days=8)]
EMPTY_BACK = "\u2014"  # what the back of a card shows when its Anki note's back is empty


def load_package(path: Path) -> Package:
    return Package(*load_files([path]))


def anki_collection(folder: Path) -> Any:
    """A real Anki collection: basic, reversed, cloze and typed notes in two decks, and a
    review log for the basic card."""
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    collection = Collection(str(folder / "collection.anki2"))
    khrushchev = collection.decks.id("History::Khrushchev")
    stalin = collection.decks.id("History::Stalin")

    def add(kind: str, deck: int, tags: list[str], **fields: str) -> Any:
        note = collection.new_note(collection.models.by_name(kind))
        for name, value in fields.items():
            note[name.replace("_", " ")] = value
        note.tags = tags
        collection.add_note(note, deck)
        return note

    basic = add(
        "Basic",
        khrushchev,
        ["9hi0::speech", "dates"],
        Front="When was the <b>Secret Speech</b>?",
        Back="25 February 1956<br>closed&nbsp;session",
    )
    add("Basic (and reversed card)", khrushchev, [], Front="Beria", Back="MVD head")
    add(
        "Cloze",
        stalin,
        ["reforms"],
        Text="In {{c1::June 1956}}, {{c2::51,439::number}} left {{c1::camps}}.",
        Back_Extra="<i>GULAG</i>",
    )
    add("Basic (type in the answer)", stalin, [], Front="Year Stalin died?", Back="1953")
    (card_id,) = collection.find_cards(f"nid:{basic.id}")
    for number, when in enumerate(REVIEW_TIMES):
        collection.db.execute(
            "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, 0, 0, 5000, ?)",
            int(when.timestamp() * 1000),
            card_id,
            3,
            number + 1,
            0 if number == 0 else 1,
        )
    return collection


def write_package(folder: Path, *, legacy: bool) -> Path:
    from anki.collection import ExportAnkiPackageOptions

    collection = anki_collection(folder / "anki")
    out = folder / ("legacy.apkg" if legacy else "current.apkg")
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=True, legacy=legacy
    )
    collection.export_anki_package(out_path=str(out), options=options, limit=None)
    collection.close()
    return out


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("anki")
    return {
        "current": write_package(folder / "a", legacy=False),
        "legacy": write_package(folder / "b", legacy=True),
    }


def on_disk(store: Store, query: str) -> list[tuple[Any, ...]]:
    assert store.path is not None
    with sqlite3.connect(store.path) as connection:
        return connection.execute(query).fetchall()


# --- Import --------------------------------------------------------------------------------


def test_package_formats_are_told_apart(packages: dict[str, Path]) -> None:
    with zipfile.ZipFile(packages["current"]) as archive:
        assert "collection.anki21b" in archive.namelist()
    with zipfile.ZipFile(packages["legacy"]) as archive:
        assert "collection.anki21" in archive.namelist()


@pytest.mark.parametrize("which", ["current", "legacy"])
def test_import_notes_decks_tags_and_kinds(packages: dict[str, Path], which: str) -> None:
    package = load_package(packages[which])
    decks = {deck.name: deck for deck in package.decks}
    assert set(decks) == {"History::Khrushchev", "History::Stalin"}
    assert decks["History::Khrushchev"].slug == "history-khrushchev"
    basic, forward, backward = decks["History::Khrushchev"].cards
    assert (basic.front, basic.back) == (
        "When was the Secret Speech?",
        "25 February 1956\nclosed session",
    )
    assert set(basic.tags) == {"9hi0::speech", "dates"}
    assert (forward.kind, backward.kind, backward.front) == (Kind.BASIC, Kind.REVERSE, "MVD head")
    *clozes, typed = decks["History::Stalin"].cards
    # As in Anki, one card per cloze number: c1 hides both of its deletions at once.
    assert [card.front for card in clozes] == [
        "In [...], 51,439 left [...].",
        "In June 1956, [number] left camps.",
    ]
    assert clozes[0].extra == "GULAG" and clozes[0].tags == ("reforms",)
    assert (typed.front, typed.answer) == ("Year Stalin died?", "1953")
    assert package.history == []


def test_import_with_history_rebuilds_fsrs_state(store: Store, packages: dict[str, Path]) -> None:
    counted: list[int] = []
    import_paths(store, [packages["current"]], T0, with_history=True, on_history=counted.append)
    assert counted == [3]
    reviews = on_disk(store, "SELECT grade, reviewed_at, duration_ms FROM reviews ORDER BY 2")
    assert reviews == [(3, int(when.timestamp() * 1000), 5000) for when in REVIEW_TIMES]
    ((state, reps, stability, last_review),) = on_disk(
        store,
        "SELECT state, reps, stability, last_review FROM card_states "
        "JOIN cards ON cards.id = card_id WHERE reps > 0",
    )
    assert (state, reps) == (2, 3) and stability > 1
    assert last_review == int(REVIEW_TIMES[-1].timestamp() * 1000)
    # Importing the same package again adds no review twice.
    import_paths(store, [packages["current"]], T0, with_history=True, on_history=counted.append)
    assert counted == [3, 0]
    assert len(on_disk(store, "SELECT id FROM reviews")) == 3


def test_each_profile_imports_the_history_of_one_package(
    store: Store, packages: dict[str, Path]
) -> None:
    # One package file on a shared store: the second student's import of it is not skipped
    # as "unchanged", since the history goes to the profile importing it.
    import_paths(store, [packages["current"]], T0, with_history=True)
    assert store.path is not None
    other = open_store(str(store.path), profile="sam")
    counted: list[int] = []
    import_paths(other, [packages["current"]], T0, with_history=True, on_history=counted.append)
    other.close()
    assert counted == [3]
    assert on_disk(store, "SELECT profile_id, count(*) FROM reviews GROUP BY 1") == [
        (store.profile_id, 3),
        (other.profile_id, 3),
    ]


def test_collection_package_with_history_through_the_cli(tmp_path: Path) -> None:
    collection = anki_collection(tmp_path / "anki")
    package = tmp_path / "backup.colpkg"
    collection.export_collection_package(str(package), include_media=False, legacy=False)
    db = tmp_path / "s.db"
    result = runner.invoke(
        app,
        ["--db", str(db), "import", str(package), "--with-history"],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.stderr
    assert "history-khrushchev (new deck)" in result.stdout
    assert "3 reviews imported." in result.stdout
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM reviews").fetchone() == (3,)
        assert connection.execute("SELECT count(*) FROM cards").fetchone() == (6,)


def test_imported_histories_answered_alike_fall_due_on_several_days(
    store: Store, tmp_path: Path
) -> None:
    # Thirty cards answered Good on the same three days, as a student who learnt them together
    # in Anki: replayed exactly, then the last interval fuzzed, as an answer here would be.
    from anki.collection import Collection, ExportAnkiPackageOptions

    folder = tmp_path / "anki"
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    deck = collection.decks.id("Together")
    for number in range(30):
        note = collection.new_note(collection.models.by_name("Basic"))
        note["Front"], note["Back"] = f"Question {number}", f"Answer {number}"
        collection.add_note(note, deck)
    for card_id in collection.find_cards("deck:Together"):
        for number, when in enumerate(REVIEW_TIMES):
            collection.db.execute(
                "INSERT INTO revlog VALUES (?, ?, -1, 3, ?, 0, 0, 5000, ?)",
                int(when.timestamp() * 1000) + card_id % 1000,
                card_id,
                number + 1,
                0 if number == 0 else 1,
            )
    package = tmp_path / "together.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    collection.export_anki_package(out_path=str(package), options=options, limit=None)
    collection.close()
    import_paths(store, [package], T0, with_history=True)
    rows = on_disk(store, "SELECT due, last_review, stability FROM card_states WHERE reps = 3")
    assert len(rows) == 30
    # One exact replay: the same memory for every card...
    assert len({round(stability, 9) for _due, _last, stability in rows}) == 1
    # ... and intervals spread within FSRS's fuzz of the exact one, not all on one day.
    answers = tuple((when, 3, 5000) for when in REVIEW_TIMES)
    exact = replay(Outcomes(make_scheduler(SchedulerSettings(enable_fuzzing=False))), 1,
                   CardHistory("together", "x", answers), [])  # fmt: skip
    assert exact.due is not None and exact.last_review is not None
    interval = (exact.due - exact.last_review).total_seconds() / 86_400
    spread = (  # Anki's and FSRS's fuzz: 15% of the part of the interval from 2.5 to 7 days,
        # 10% from 7 to 20, 5% beyond, plus a day
        1 + 0.15 * (min(interval, 7) - 2.5) + 0.1 * max(0, min(interval, 20) - 7)
        + 0.05 * max(0, interval - 20)
    )  # fmt: skip
    days = [(due - last) / 86_400_000 for due, last, _stability in rows]
    assert all(abs(day - interval) <= spread + 1 for day in days)
    assert len({round(day) for day in days}) > 2


def test_import_without_history_writes_no_reviews(store: Store, packages: dict[str, Path]) -> None:
    (first, second) = import_paths(store, [packages["legacy"]], T0)
    assert first.added + second.added == 6
    assert on_disk(store, "SELECT count(*) FROM reviews") == [(0,)]


def exported_from_anki(collection: Any, out: Path) -> Path:
    """`out`, written by the real Anki from `collection` (closed afterwards), scheduling kept."""
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    collection.export_anki_package(out_path=str(out), options=options, limit=None)
    collection.close()
    return out


def test_a_note_with_an_empty_back_does_not_refuse_the_package(tmp_path: Path) -> None:
    # As the tester made it: genanki's Basic note with an empty Back, beside an ordinary one.
    import genanki  # type: ignore[import-untyped]

    deck = genanki.Deck(2_059_400_110, "Empties")
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["Empty back", ""]))
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["Full", "back"]))
    package = tmp_path / "c3.apkg"
    genanki.Package(deck).write_to_file(str(package))
    db = tmp_path / "s.db"
    result = runner.invoke(app, ["--db", str(db), "import", str(package)])
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(db) as connection:
        cards = connection.execute("SELECT front, back, answer FROM cards ORDER BY position")
        assert cards.fetchall() == [("Empty back", EMPTY_BACK, None), ("Full", "back", None)]


def test_empty_backs_make_no_reverse_nor_typed_card_and_export_both_ways(
    store: Store, tmp_path: Path
) -> None:
    from anki.collection import Collection

    (tmp_path / "anki").mkdir()
    collection = Collection(str(tmp_path / "anki" / "collection.anki2"))
    deck = collection.decks.id("Empties")
    beria = collection.new_note(collection.models.by_name("Basic (and reversed card)"))
    beria["Front"], beria["Back"] = "Beria", "MVD head"
    collection.add_note(beria, deck)
    beria["Back"] = ""  # Anki keeps the reverse card, as an "empty card"
    collection.update_note(beria)
    assert len(collection.find_cards(f"nid:{beria.id}")) == 2
    oath = collection.new_note(collection.models.by_name("Basic (type in the answer)"))
    oath["Front"] = "Recite the oath"  # Anki shows no box to type an empty Back into
    collection.add_note(oath, deck)
    package = exported_from_anki(collection, tmp_path / "empties.apkg")
    (changes,) = import_paths(store, [package], T0, with_history=True)
    assert changes.added == 2
    query = "SELECT kind, front, back, answer FROM cards ORDER BY position"
    cards = [("basic", "Beria", EMPTY_BACK, None), ("basic", "Recite the oath", EMPTY_BACK, None)]
    assert on_disk(store, query) == cards
    # `export deck` writes a TOML deck that imports as the same cards (TOML has no empty back).
    toml = tmp_path / "empties.toml"
    export_deck_toml(store, "empties", toml, force=False)
    assert toml.read_text(encoding="utf-8").count(f'back = "{EMPTY_BACK}"') == 2
    (again,) = import_paths(store, [toml], T0)
    assert (again.added, again.updated, again.retired) == (0, 0, 0)
    # And a package Anki opens, which comes back unchanged.
    out = tmp_path / "out.apkg"
    export_apkg(store, ["empties"], out, with_history=False, force=False)
    anki = open_in_anki(out, tmp_path / "anki-again")
    try:
        assert anki.card_count() == 2
    finally:
        anki.close()
    (again,) = import_paths(store, [out], T0)
    assert (again.added, again.updated, again.retired) == (0, 0, 0)
    assert on_disk(store, query) == cards


def suspended_package(folder: Path) -> Path:
    """Three Anki cards: Stalin suspended while new, Beria suspended after three reviews,
    Malenkov neither."""
    from anki.collection import Collection

    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    deck = collection.decks.id("Suspended")
    card_ids: dict[str, int] = {}
    for front in ("Stalin", "Beria", "Malenkov"):
        note = collection.new_note(collection.models.by_name("Basic"))
        note["Front"], note["Back"] = front, "a leader"
        collection.add_note(note, deck)
        (card_ids[front],) = collection.find_cards(f"nid:{note.id}")
    for number, when in enumerate(REVIEW_TIMES):
        collection.db.execute(
            "INSERT INTO revlog VALUES (?, ?, -1, 3, ?, 0, 0, 5000, ?)",
            int(when.timestamp() * 1000),
            card_ids["Beria"],
            number + 1,
            0 if number == 0 else 1,
        )
    collection.sched.suspend_cards([card_ids["Stalin"], card_ids["Beria"]])
    return exported_from_anki(collection, folder / "suspended.apkg")


def suspended_fronts(store: Store) -> list[str]:
    return [
        front
        for (front,) in on_disk(
            store,
            "SELECT front FROM cards JOIN card_states ON card_id = cards.id "
            f"WHERE profile_id = {store.profile_id} AND suspended ORDER BY front",
        )
    ]


def test_suspension_comes_with_the_history_for_the_importing_profile(
    store: Store, tmp_path: Path
) -> None:
    package = suspended_package(tmp_path / "anki")
    import_paths(store, [package], T0)  # without history: new cards, none suspended
    assert on_disk(store, "SELECT count(*) FROM cards") == [(3,)]
    assert suspended_fronts(store) == []
    assert store.path is not None
    sam = open_store(str(store.path), profile="sam")
    try:
        import_paths(sam, [package], T0, with_history=True)
        assert suspended_fronts(sam) == ["Beria", "Stalin"]
        assert suspended_fronts(store) == []  # another profile's cards are as they were
        # Back to Anki: suspended there too, the new card as well as the reviewed one.
        out = tmp_path / "back.apkg"
        export_apkg(sam, ["Suspended"], out, with_history=True, force=False)
        anki = open_in_anki(out, tmp_path / "anki-again")
        try:
            queues = {
                anki.get_card(cid).note()["Front"]: anki.get_card(cid).queue
                for cid in anki.find_cards("")
            }
        finally:
            anki.close()
        assert queues == {"Stalin": -1, "Beria": -1, "Malenkov": 0}
        # A card with reviews here gets nothing from the package again, suspension included.
        (beria,) = (row[0] for row in on_disk(sam, "SELECT id FROM cards WHERE front = 'Beria'"))
        set_suspended(sam, [beria], False)
        import_paths(sam, [package], T0, with_history=True)
        assert suspended_fronts(sam) == ["Stalin"]
    finally:
        sam.close()


# --- Export, opened by the real Anki ---------------------------------------------------------


def open_in_anki(package: Path, folder: Path) -> Any:
    from anki.collection import (
        Collection,
        ImportAnkiPackageOptions,
        ImportAnkiPackageRequest,
    )

    folder.mkdir(parents=True, exist_ok=True)
    collection = Collection(str(folder / "collection.anki2"))
    collection.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)
        )
    )
    return collection


@pytest.fixture
def bundled(store: Store) -> Store:
    import_paths(store, [BUNDLED_DECK], T0)
    return store


def test_exported_package_opens_in_anki(bundled: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.apkg"
    done = export_apkg(bundled, [], out, with_history=False, force=False)
    deck = load_deck(BUNDLED_DECK)
    notes = {card.note for card in deck.cards}
    assert (done.notes, done.cards) == (len(notes), len(deck.cards))
    collection = open_in_anki(out, tmp_path / "anki")
    try:
        assert collection.note_count() == len(notes)
        assert collection.card_count() == len(deck.cards)
        by_guid = {
            collection.get_note(nid).guid: collection.get_note(nid)
            for nid in collection.find_notes("")
        }
        for card in deck.cards:
            note = by_guid[f"{deck.slug}/{card.note}"]
            assert set(note.tags) == set(card.tags)
            if card.kind is Kind.BASIC:
                assert (note["Front"], note["Back"]) == (card.front, card.back)
        speech = by_guid[f"{deck.slug}/summary-secret-speech"]
        assert "{{c1::20th}}" in speech["Text"]
        (anki_deck,) = (d for d in collection.decks.all_names_and_ids() if d.name == deck.name)
        assert len(collection.find_cards(f"did:{anki_deck.id}")) == len(deck.cards)
    finally:
        collection.close()


def test_export_with_history_reaches_anki(
    store: Store, packages: dict[str, Path], tmp_path: Path
) -> None:
    import_paths(store, [packages["current"]], T0, with_history=True)
    out = tmp_path / "history.apkg"
    done = export_apkg(store, ["History::Khrushchev"], out, with_history=True, force=False)
    assert (done.decks, done.cards, done.reviews) == (1, 3, 3)
    collection = open_in_anki(out, tmp_path / "anki")
    try:
        assert collection.card_count() == 3
        revlog = collection.db.all("SELECT ease, time FROM revlog ORDER BY id")
        assert revlog == [[3, 5000]] * 3
        (reviewed,) = collection.find_cards("-is:new")
        card = collection.get_card(reviewed)
        assert (card.type, card.reps) == (2, 3)
        assert card.memory_state is not None and card.memory_state.stability > 1
    finally:
        collection.close()


def test_round_trip_deck_to_apkg_to_deck(bundled: Store, tmp_path: Path) -> None:
    out = tmp_path / "round.apkg"
    export_apkg(bundled, ["khrushchev-destalinisation"], out, with_history=False, force=False)
    (deck,) = load_package(out).decks
    original = load_deck(BUNDLED_DECK)
    assert deck.slug == original.slug and deck.name == original.name

    def content(card: Any) -> tuple[Any, ...]:
        return (
            card.key,
            card.kind,
            card.front,
            card.back,
            card.answer,
            card.accept,
            card.extra,
            card.section,
            frozenset(card.tags),
        )

    # A chronology card, which Anki cannot check, comes back as a basic card: the same key and
    # front, the back followed by the letters in order, nothing to type.
    chronology = {card.key: card for card in original.cards if card.kind is Kind.CHRONOLOGY}
    assert chronology
    for card in deck.cards:
        if card.key in chronology:
            ordered = chronology[card.key]
            assert (card.kind, card.front, card.answer) == (Kind.BASIC, ordered.front, None)
            assert card.back == f"{ordered.back}\n\n{ordered.answer}"
    assert [content(card) for card in deck.cards if card.key not in chronology] == [
        content(card) for card in original.cards if card.key not in chronology
    ]
    # Importing the package over the deck keeps every card (and so its history).
    (changes,) = import_paths(bundled, [out], T0)
    assert (changes.added, changes.retired) == (0, 0)


TYPED_AND_REVERSED = """
id = "typed"
name = "Typed"

[[cards]]
id = "capital"
front = "Capital of France"
back = "Paris"
type = true
reverse = true

[[cards]]
id = "died"
front = "Year Stalin died?"
back = "5 March 1953"
answer = "1953"
accept = ["March 1953"]

[[cards]]
id = "beria"
front = "Beria"
back = "MVD head"
reverse = true
"""


def test_typed_reversed_cards_round_trip_through_apkg(
    store: Store, write_deck: Any, tmp_path: Path
) -> None:
    deck_file = write_deck(TYPED_AND_REVERSED, "typed.toml")
    import_paths(store, [deck_file], T0)
    out = tmp_path / "typed.apkg"
    export_apkg(store, ["typed"], out, with_history=False, force=False)

    def content(card: Any) -> tuple[Any, ...]:
        return (card.key, card.kind, card.front, card.back, card.answer, card.accept)

    (deck,) = load_package(out).decks
    assert [content(card) for card in deck.cards] == [
        content(card) for card in load_deck(deck_file).cards
    ]
    (changes,) = import_paths(store, [out], T0)
    assert (changes.added, changes.updated, changes.retired) == (0, 0, 0)
    collection = open_in_anki(out, tmp_path / "anki")
    try:
        (note,) = (
            collection.get_note(nid)
            for nid in collection.find_notes("")
            if collection.get_note(nid).guid == "typed/capital"
        )
        name = "stalindeck Basic (and reversed card, type in the answer)"
        assert note.note_type()["name"] == name
        cards = (collection.get_card(card_id) for card_id in note.card_ids())
        forward, backward = sorted(cards, key=lambda card: card.ord)
        # Anki asks for the answer typed on both cards.
        assert "[[type:Answer]]" in forward.question() and "Capital" in forward.question()
        assert "[[type:Front]]" in backward.question() and "Paris" in backward.question()
    finally:
        collection.close()


def test_export_refuses_to_overwrite_and_unknown_decks(bundled: Store, tmp_path: Path) -> None:
    out = tmp_path / "x.apkg"
    out.write_bytes(b"keep")
    with pytest.raises(StalindeckError, match="already exists"):
        export_apkg(bundled, [], out, with_history=False, force=False)
    assert out.read_bytes() == b"keep"
    with pytest.raises(StalindeckError, match="no deck named 'nope'"):
        export_apkg(bundled, ["nope"], tmp_path / "y.apkg", with_history=False, force=False)
    assert not (tmp_path / "y.apkg").exists()


# --- Hostile packages ------------------------------------------------------------------------


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder for one hostile package; after the test nothing may exist outside it, and no
    extraction folder may be left behind (in a temporary folder of the test's own, so that
    other processes' packages in the machine's /tmp are not counted)."""
    folder = tmp_path / "sandbox" / "inner"
    folder.mkdir(parents=True)
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    monkeypatch.setenv("TMPDIR", str(temp_root))
    before = {p.name for p in temp_root.glob("stalindeck-apkg-*")}
    outside_before = sorted(p.name for p in (tmp_path / "sandbox").iterdir())
    yield folder
    assert sorted(p.name for p in (tmp_path / "sandbox").iterdir()) == outside_before
    assert {p.name for p in temp_root.glob("stalindeck-apkg-*")} == before
    assert not Path("/tmp/stalindeck-evil-absolute").exists()


def legacy_collection_bytes(packages: dict[str, Path]) -> bytes:
    with zipfile.ZipFile(packages["legacy"]) as archive:
        return archive.read("collection.anki21")


def build_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            archive.writestr(info, data)
    return path


def rejected(store: Store, package: Path, message: str) -> None:
    with pytest.raises(DeckError) as caught:
        import_paths(store, [package], T0)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{package}: ") and message in problem, problem
    assert on_disk(store, "SELECT count(*) FROM cards") == [(0,)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../stalindeck-evil.txt", "climbs out of the folder"),
        ("media/../../x", "climbs out of the folder"),
        ("/tmp/stalindeck-evil-absolute", "has an absolute path"),
        ("C:\\evil.txt", "has an absolute path"),
        ("bad\x01name", "control characters"),
    ],
)
def test_unsafe_member_names(
    store: Store, packages: dict[str, Path], sandbox: Path, name: str, message: str
) -> None:
    package = build_zip(
        sandbox / "slip.apkg",
        {"collection.anki21": legacy_collection_bytes(packages), name: b"pwned"},
    )
    rejected(store, package, message)


def test_too_many_entries(
    store: Store, packages: dict[str, Path], sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(anki_package, "MAX_MEMBERS", 5)
    members = {"collection.anki21": legacy_collection_bytes(packages)}
    members.update({str(n): b"" for n in range(5)})
    rejected(store, build_zip(sandbox / "many.apkg", members), "has 6 entries; the limit is 5")


def test_oversized_member(
    store: Store, packages: dict[str, Path], sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(anki_package, "MAX_MEMBER_BYTES", 1000)
    package = build_zip(sandbox / "big.apkg", {"collection.anki21": b"x" * 2000})
    rejected(store, package, "unpacks to 2,000 bytes; the limit is 1,000")


def test_over_compressed_member(store: Store, sandbox: Path) -> None:
    package = build_zip(
        sandbox / "bomb.apkg",
        {"collection.anki2": b"\0" * (8 * 1024 * 1024)},
        zipfile.ZIP_DEFLATED,
    )
    rejected(store, package, "is compressed more than 200:1")


def test_a_very_compressible_image_is_no_zip_bomb(
    store: Store, packages: dict[str, Path], sandbox: Path
) -> None:
    # A 3 MB flat bitmap deflates far beyond 200:1; media are never unpacked whole, so only
    # what is read (the collection) is held to the ratio.
    bitmap = b"BM" + b"\xff" * (3 * 1024 * 1024)
    package = build_zip(
        sandbox / "flat.apkg",
        {
            "collection.anki21": legacy_collection_bytes(packages),
            "0": bitmap,
            "media": b'{"0": "flat.bmp"}',
        },
        zipfile.ZIP_DEFLATED,
    )
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo("0")
        assert info.file_size > 200 * info.compress_size
    changes = import_paths(store, [package], T0)
    assert sum(change.added for change in changes) == 6


def test_media_with_a_path_in_its_name_is_refused(
    store: Store, packages: dict[str, Path], sandbox: Path
) -> None:
    package = build_zip(
        sandbox / "slip.apkg",
        {
            "collection.anki21": legacy_collection_bytes(packages),
            "media": b'{"0": "../../evil.png"}',
            "0": b"x",
        },
    )
    rejected(store, package, "media file '../../evil.png' has a path or control characters")


def test_media_past_the_limit_is_refused(
    store: Store, packages: dict[str, Path], sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(anki_package, "MAX_MEDIA_FILE", 1000)
    package = build_zip(
        sandbox / "big.apkg",
        {
            "collection.anki21": legacy_collection_bytes(packages),
            "media": b'{"0": "big.png"}',
            "0": b"x" * 2000,
        },
    )
    rejected(store, package, "media file 'big.png' is 2,000 bytes; the limit is 1,000")


def test_zstd_bomb_is_capped(store: Store, sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zstandard

    monkeypatch.setattr(anki_package, "MAX_MEMBER_BYTES", 4 * 1024 * 1024)
    data = zstandard.ZstdCompressor().compress(b"\0" * (16 * 1024 * 1024))
    package = build_zip(sandbox / "zbomb.apkg", {"collection.anki21b": data})
    rejected(store, package, "collection.anki21b inside zbomb.apkg (zstd) unpacks to more than")


def test_damaged_databases_name_their_format(store: Store, sandbox: Path) -> None:
    import zstandard

    garbage = build_zip(sandbox / "garbage.apkg", {"collection.anki21b": b"not zstd at all"})
    rejected(store, garbage, "collection.anki21b inside garbage.apkg (zstd): cannot decompress")
    not_sqlite = zstandard.ZstdCompressor().compress(b"SQLite format 3\0" + b"\x07" * 5000)
    damaged = build_zip(sandbox / "damaged.apkg", {"collection.anki21b": not_sqlite})
    rejected(store, damaged, "collection.anki21b inside damaged.apkg")
    legacy = build_zip(sandbox / "legacy.apkg", {"collection.anki2": b"\x00" * 100})
    rejected(store, legacy, "collection.anki2 inside legacy.apkg")
    other = sandbox / "other.sqlite"  # a database, but not Anki's
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.commit()
    schema = build_zip(sandbox / "schema.apkg", {"collection.anki2": other.read_bytes()})
    rejected(store, schema, "schema.apkg: collection.anki2 inside schema.apkg: no such table: col")


def test_not_a_package(store: Store, sandbox: Path) -> None:
    text = sandbox / "deck.apkg"
    text.write_text("hello")
    rejected(store, text, "is not an Anki package (not a zip file")
    empty = build_zip(sandbox / "empty.apkg", {"media": b"{}"})
    rejected(store, empty, "holds no Anki collection")


def test_hostile_sql_schema_is_not_trusted(
    store: Store, packages: dict[str, Path], sandbox: Path
) -> None:
    """A collection whose notes table is a view calling functions is read only as data."""
    path = sandbox / "trap.anki2"
    path.write_bytes(legacy_collection_bytes(packages))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE notes SET flds = '<script>alert(1)</script>\x1f'")
    package = build_zip(sandbox / "trap.apkg", {"collection.anki21": path.read_bytes()})
    path.unlink()
    with pytest.raises(DeckError) as caught:
        import_paths(store, [package], T0)
    assert all("is empty" in problem for problem in caught.value.problems)


# --- TOML export -----------------------------------------------------------------------------


def test_export_deck_round_trips_the_bundled_deck(bundled: Store, tmp_path: Path) -> None:
    out = tmp_path / "export.toml"
    export_deck_toml(bundled, "khrushchev-destalinisation", out, force=False)
    (changes,) = import_paths(bundled, [out], T0)
    assert (changes.added, changes.updated, changes.retired) == (0, 0, 0)
    exported, original = load_deck(out), load_deck(BUNDLED_DECK)
    assert (exported.slug, exported.name, exported.description, exported.tags) == (
        original.slug,
        original.name,
        original.description,
        original.tags,
    )
    # The same keys and content (the lines differ: the export is written its own way).
    assert [row[:-2] for row in stored_rows(exported.cards)] == [
        row[:-2] for row in stored_rows(original.cards)
    ]


def test_export_deck_of_csv_and_package_decks(
    store: Store, packages: dict[str, Path], tmp_path: Path
) -> None:
    import_paths(store, [packages["current"]], T0)
    for slug in ("history-khrushchev", "history-stalin"):
        out = tmp_path / f"{slug}.toml"
        export_deck_toml(store, slug, out, force=False)
        (changes,) = import_paths(store, [out], T0)
        assert (changes.added, changes.updated, changes.retired) == (0, 0, 0), slug


def test_cli_export_commands(bundled: Store, tmp_path: Path) -> None:
    assert bundled.path is not None
    db = str(bundled.path)
    result = runner.invoke(app, ["--db", db, "export", "deck", "khrushchev-destalinisation"])
    assert result.exit_code == 0 and result.stdout.startswith('id = "khrushchev-destalinisation"')
    out = tmp_path / "d.toml"
    args = ["--db", db, "export", "deck", "khrushchev-destalinisation", "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    assert out.read_text(encoding="utf-8") == result.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "already exists; pass --force" in again.stderr
    apkg = tmp_path / "d.apkg"
    result = runner.invoke(app, ["--db", db, "export", "apkg", "-o", str(apkg)])
    deck = load_deck(BUNDLED_DECK)
    counts = f"Wrote {len({card.note for card in deck.cards})} notes ({len(deck.cards)} cards)"
    assert result.exit_code == 0 and counts in result.stderr
    assert zipfile.is_zipfile(apkg)
    missing = runner.invoke(app, ["--db", db, "export", "deck", "nope"])
    assert missing.exit_code == 1 and "no deck named 'nope'" in missing.stderr
    # One of a thing is said in the singular.
    one = tmp_path / "one.csv"
    one.write_text("front,back\nQ,A\n", encoding="utf-8")
    assert runner.invoke(app, ["--db", db, "import", str(one)]).exit_code == 0
    result = runner.invoke(
        app, ["--db", db, "export", "deck", "one", "-o", str(tmp_path / "o.toml")]
    )
    assert "Wrote 1 card of one to" in result.stderr
    result = runner.invoke(
        app, ["--db", db, "export", "apkg", "one", "-o", str(tmp_path / "o.apkg")]
    )
    assert "Wrote 1 note (1 card) from 1 deck to" in result.stderr


_PIECE = st.text(alphabet=st.sampled_from(list("ab []:.,x1")), min_size=1, max_size=6)
# An answer next to the hint separator (``{{a:::hint}}``) is ambiguous in the deck format
# itself, so answers here have no colons.
_ANSWER = st.text(alphabet=st.sampled_from(list("ab []., x1")), min_size=1, max_size=6)


@given(st.lists(st.tuples(_PIECE, _ANSWER, st.booleans()), min_size=1, max_size=4), _PIECE)
def test_cloze_text_is_rebuilt_from_its_cards(
    pieces: list[tuple[str, str, bool]], tail: str
) -> None:
    text = "".join(
        before + "{{" + answer + ("::" + before.strip("[]") if hint else "") + "}}"
        for before, answer, hint in pieces
    )
    text += tail
    if cloze.find_problems(text):
        return
    count = len(cloze.deletions(text))
    cards = [(cloze.render(text, i), cloze.render(text, None)) for i in range(count)]
    rebuilt = cloze_text(cards)
    assert rebuilt is not None
    assert [(cloze.render(rebuilt, i), cloze.render(rebuilt, None)) for i in range(count)] == cards


@given(st.lists(st.tuples(_PIECE, _ANSWER, st.integers(1, 3)), min_size=1, max_size=4), _PIECE)
def test_numbered_cloze_text_is_rebuilt_from_its_cards(
    pieces: list[tuple[str, str, int]], tail: str
) -> None:
    text = "".join(f"{before}{{{{c{number}::{answer}}}}}" for before, answer, number in pieces)
    text += tail
    if cloze.find_problems(text):
        return
    numbers = cloze.card_numbers(text)
    cards = [(cloze.render(text, i), cloze.render(text, None)) for i in range(len(numbers))]
    rebuilt = cloze_text(cards, numbers)
    if rebuilt is None:  # ambiguous readings are refused, never guessed wrong
        return
    assert cloze.card_numbers(rebuilt) == numbers
    assert [
        (cloze.render(rebuilt, i), cloze.render(rebuilt, None)) for i in range(len(numbers))
    ] == cards
