"""A teacher's Anki collection to stalindeck and back, checked with the real Anki engine.

The collection has a subdeck, Basic, reversed, typed and Cloze notes (one cloze number used
twice), HTML, reviews with a lapse, a card in its learning steps and a suspended card. It goes
out as a package, comes in with its history, is reviewed here, goes back out, and is imported
into the same collection (every note updated, none new) and into a fresh one (the same cards,
due on the same days). The day arithmetic is checked again at several hours of the day, under
faketime, in a process of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stalindeck.decks.importing import import_paths
from stalindeck.interop.apkg_export import export_apkg
from stalindeck.review.session import ReviewSession
from stalindeck.store.open import open_store

DAY = 86_400
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # enough of a picture for Anki to keep
ROOT = Path(__file__).resolve().parent.parent


def _revlog(collection: Any, card_id: int, when: datetime, ease: int, kind: int) -> None:
    collection.db.execute(
        "INSERT INTO revlog VALUES (?, ?, -1, ?, 0, 0, 0, 4000, ?)",
        int(when.timestamp() * 1000) + card_id % 1000,
        card_id,
        ease,
        kind,
    )


def teacher_collection(folder: Path, now: datetime) -> Any:
    """The teacher's collection, with its cards' scheduling set as Anki would leave it."""
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    collection = Collection(str(folder / "collection.anki2"))
    history = collection.decks.id("History")
    russia = collection.decks.id("History::Russia")

    def add(kind: str, deck: int | None, **fields: str) -> Any:
        note = collection.new_note(collection.models.by_name(kind))
        for name, value in fields.items():
            note[name.replace("_", " ")] = value
        collection.add_note(note, deck)
        return note

    image = collection.media.write_data("yezhov.png", PNG)
    basic = add(
        "Basic",
        russia,
        Front="Who led the <b>NKVD</b> in 1938?",
        Back=f'Yezhov<br>then <i>Beria</i><img src="{image}">',
    )
    beria = add("Basic (and reversed card)", history, Front="Beria", Back="MVD head")
    typed = add("Basic (type in the answer)", russia, Front="Year Stalin died?", Back="1953")
    cloze = add(
        "Cloze",
        history,
        Text="{{c1::Beria}} was arrested in 1953 and {{c1::shot}}; {{c2::Malenkov}} stayed.",
        Back_Extra="<ul><li>June</li><li>December</li></ul>",
    )
    today = collection.sched.today
    (basic_card,) = collection.find_cards(f"nid:{basic.id}")
    for days, ease, kind in ((20, 3, 0), (17, 3, 1), (8, 1, 1)):
        _revlog(collection, basic_card, now - timedelta(days=days), ease, kind)
    _revlog(collection, basic_card, now - timedelta(days=8, minutes=-10), 3, 2)
    # In review after a lapse, due in 3 days.
    collection.db.execute(
        "UPDATE cards SET type = 2, queue = 2, due = ?, ivl = 3, reps = 4, lapses = 1 WHERE id = ?",
        today + 3,
        basic_card,
    )
    (typed_card,) = collection.find_cards(f"nid:{typed.id}")
    _revlog(collection, typed_card, now - timedelta(minutes=2), 3, 0)
    # In its learning steps: one step (10 minutes) to go.
    collection.db.execute(
        "UPDATE cards SET type = 1, queue = 1, due = ?, left = 1, reps = 1 WHERE id = ?",
        int((now + timedelta(minutes=8)).timestamp()),
        typed_card,
    )
    reverse_card = collection.find_cards(f"nid:{beria.id} card:2")[0]
    collection.db.execute("UPDATE cards SET queue = -1 WHERE id = ?", reverse_card)
    first_cloze = collection.find_cards(f"nid:{cloze.id} card:1")[0]
    for days in (12, 9):
        _revlog(collection, first_cloze, now - timedelta(days=days), 3, 0 if days == 12 else 1)
    collection.db.execute(
        "UPDATE cards SET type = 2, queue = 2, due = ?, ivl = 7, reps = 2 WHERE id = ?",
        today + 5,
        first_cloze,
    )
    return collection


def _export(collection: Any, out: Path) -> None:
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=True, legacy=False
    )
    collection.export_anki_package(out_path=str(out), options=options, limit=None)


def _import(collection: Any, package: Path) -> Any:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    return collection.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)
        )
    ).log


def _cards(collection: Any) -> dict[str, dict[str, Any]]:
    """Each card by its note's guid and its ordinal: when due (days from today for a review
    card), its queue and learning steps left."""
    today = collection.sched.today
    found = {}
    for guid, ordinal, kind, queue, due, left in collection.db.all(
        "SELECT n.guid, c.ord, c.type, c.queue, c.due, c.left FROM cards c "
        "JOIN notes n ON n.id = c.nid"
    ):
        found[f"{guid}/{ordinal}"] = {
            "type": kind,
            "queue": queue,
            "due": due - today if kind == 2 else due,
            "left": left % 1000,
        }
    return found


def round_trip(folder: Path) -> dict[str, Any]:
    """The whole trip; what each side ended with, for the assertions."""
    from anki.collection import Collection

    now = datetime.now(UTC)
    teacher = teacher_collection(folder / "teacher", now)
    before = _cards(teacher)
    notes_before = teacher.note_count()
    out = folder / "hist.apkg"
    _export(teacher, out)
    teacher.close()

    store = open_store(str(folder / "class.db"))
    import_paths(store, [out], now, with_history=True)
    review = ReviewSession(store, clock=lambda: now)
    shown = review.next_card()
    assert shown is not None
    reviewed = shown.card.front
    review.answer(3)
    review.close()
    back = folder / "back.apkg"
    # Anki updates a note only from a newer one: the class reviews for days, not a second.
    time.sleep(1.1)
    export_apkg(store, [], back, with_history=True, force=False)
    store.close()

    teacher = Collection(str(folder / "teacher" / "collection.anki2"))
    log = _import(teacher, back)
    same = {
        "duplicate": len(log.duplicate),
        "new": len(log.new),
        "updated": len(log.updated),
        "conflicting": len(log.conflicting),
        "notes": teacher.note_count(),
        "notes_before": notes_before,
        "decks": sorted(
            name
            for name in (deck.name for deck in teacher.decks.all_names_and_ids())
            if name != "Default"
        ),
    }
    teacher.close()
    (folder / "fresh").mkdir()
    fresh = Collection(str(folder / "fresh" / "collection.anki2"))
    _import(fresh, back)
    result = {
        "same": same,
        "before": before,
        "fresh": _cards(fresh),
        "fresh_media": sorted(os.listdir(fresh.media.dir())),
        "fresh_decks": sorted(
            name
            for name in (deck.name for deck in fresh.decks.all_names_and_ids())
            if name != "Default"
        ),
        "reviewed": reviewed,
    }
    fresh.close()
    return result


def _check(result: dict[str, Any]) -> None:
    same = result["same"]
    assert (same["new"], same["conflicting"]) == (0, 0)
    assert same["updated"] == same["notes_before"] == same["notes"] == 4
    assert same["decks"] == ["History", "History::Russia"]
    assert result["fresh_decks"] == ["History", "History::Russia"]
    assert result["fresh_media"] == ["yezhov.png"]
    before, fresh = result["before"], result["fresh"]
    assert set(fresh) == set(before)  # the same cards, by guid and ordinal
    for key, card in before.items():
        if card["type"] == 2:  # in review: due the same day
            assert fresh[key]["type"] == 2 and fresh[key]["due"] == card["due"], key
        if card["type"] == 1:  # in its learning steps: the same step, due the same moment
            assert fresh[key]["queue"] == 1 and fresh[key]["left"] == card["left"] == 1, key
            assert abs(fresh[key]["due"] - card["due"]) <= 60, key
        if card["queue"] == -1:
            assert fresh[key]["queue"] == -1, key


def test_a_teachers_collection_goes_to_stalindeck_and_back(tmp_path: Path) -> None:
    _check(round_trip(tmp_path))


@pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime is not installed")
@pytest.mark.parametrize(
    ("zone", "hour"),
    [("UTC", "02:30"), ("UTC", "04:30"), ("UTC", "08:00"), ("UTC", "23:30"),
     ("America/New_York", "07:00"), ("Asia/Tokyo", "10:30")],
)  # fmt: skip
def test_due_days_are_equal_whatever_the_hour(tmp_path: Path, zone: str, hour: str) -> None:
    # Between 04:00 and 11:00 UTC cards used to arrive a day early (days were counted from
    # genanki's 11:00 creation time instead of the collection's day start).
    script = (
        "import json, sys; from pathlib import Path; "
        "from tests.test_anki_roundtrip import round_trip; "
        "print(json.dumps(round_trip(Path(sys.argv[1]))))"
    )
    env = {**os.environ, "TZ": zone}
    done = subprocess.run(
        ["faketime", f"2026-11-05 {hour}:00", sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _check(json.loads(done.stdout.strip().splitlines()[-1]))


# --- Packages as Anki's own importer tests meet them ----------------------------------------
# Anki's fixtures (pylib/tests/support/update1.apkg, update2.apkg, media.apkg,
# diffmodels2-1.apkg) are AGPL-3 files; this MIT project builds packages of the same shape with
# the Anki engine instead of copying them.


def _package(folder: Path, name: str, notes: list[tuple[str, str, str]], *, guid: str = "") -> Path:
    """A package of Basic notes (deck, front, back) built by Anki; the first note's guid
    set to `guid` when given."""
    from anki.collection import Collection

    (folder / name).mkdir(parents=True)
    collection = Collection(str(folder / name / "collection.anki2"))
    for number, (deck, front, back) in enumerate(notes):
        note = collection.new_note(collection.models.by_name("Basic"))
        note["Front"], note["Back"] = front, back
        if guid and number == 0:
            note.guid = guid
        collection.add_note(note, collection.decks.id(deck))
    out = folder / f"{name}.apkg"
    _export(collection, out)
    collection.close()
    return out


def test_a_newer_package_updates_its_note_as_in_anki(tmp_path: Path) -> None:
    # update1.apkg then update2.apkg: one note "hello", then the same guid saying "goodbye".
    store = open_store(str(tmp_path / "s.db"))
    first = _package(tmp_path, "update1", [("Default", "hello", "world")], guid="fixed-guid")
    second = _package(tmp_path, "update2", [("Default", "goodbye", "world")], guid="fixed-guid")
    now = datetime.now(UTC)
    (added,) = import_paths(store, [first], now)
    assert (added.added, added.updated) == (1, 0)
    (again,) = import_paths(store, [first], now)
    assert (again.added, again.updated) == (0, 0)
    (updated,) = import_paths(store, [second], now)
    assert (updated.added, updated.updated, updated.retired) == (0, 1, 0)
    with store.engine.connect() as connection:
        fronts = connection.exec_driver_sql("SELECT front FROM cards").scalars().all()
    assert fronts == ["goodbye"]
    store.close()


def test_packages_sharing_the_default_deck_add_and_never_retire(tmp_path: Path) -> None:
    # media.apkg and diffmodels2-1.apkg after update1.apkg: all in Default. Each used to be
    # refused ("this file lacks 1 of its cards, which would be retired").
    store = open_store(str(tmp_path / "s.db"))
    now = datetime.now(UTC)
    import_paths(store, [_package(tmp_path, "update1", [("Default", "hello", "world")])], now)
    media = _package(tmp_path, "media", [("Default", "[sound:foo.wav]", "a sound")])
    (changes,) = import_paths(store, [media], now)
    assert (changes.added, changes.retired) == (1, 0)
    other = _package(tmp_path, "diffmodels2-1", [("Default", "foo", "bar")])
    (changes,) = import_paths(store, [other], now)
    assert (changes.added, changes.retired) == (1, 0)
    with store.engine.connect() as connection:
        active = connection.exec_driver_sql("SELECT count(*) FROM cards WHERE NOT retired")
        assert active.scalar() == 3
    store.close()


def test_no_review_imported_says_why(tmp_path: Path) -> None:
    from anki.collection import ExportAnkiPackageOptions
    from typer.testing import CliRunner

    from stalindeck.cli import app

    now = datetime.now(UTC)
    teacher = teacher_collection(tmp_path / "teacher", now)
    bare, full = tmp_path / "bare.apkg", tmp_path / "full.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False
    )
    teacher.export_anki_package(out_path=str(bare), options=options, limit=None)
    _export(teacher, full)
    teacher.close()
    runner = CliRunner()
    env = {"COLUMNS": "200"}

    def imported(db: str, package: Path) -> str:
        result = runner.invoke(app, ["--db", db, "import", str(package), "--with-history"], env=env)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    db = str(tmp_path / "s.db")
    assert "0 reviews imported: the package has no review log (in Anki, export it with " in (
        imported(db, bare)
    )
    assert "7 reviews imported." in imported(db, full)
    assert "0 reviews imported: the 3 cards the package has a history for already have" in (
        imported(db, full)
    )


def test_note_types_merge_with_the_teachers_and_custom_fields_survive(tmp_path: Path) -> None:
    from anki.collection import Collection

    now = datetime.now(UTC)
    teacher = Collection(str(_folder(tmp_path / "teacher") / "collection.anki2"))
    models = teacher.models
    vocab = models.new("Vocab")
    for name in ("Word", "Meaning", "Example", "Notes"):
        models.add_field(vocab, models.new_field(name))
    template = models.new_template("Recall")
    template["qfmt"] = "{{Word}}<br><i>{{Example}}</i>"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Notes}}"
    models.add_template(vocab, template)
    models.add(vocab)
    note = teacher.new_note(models.by_name("Vocab"))
    note["Word"], note["Meaning"] = "пятилетка", "five-year plan"
    note["Example"], note["Notes"] = "<b>первая</b> пятилетка", "1928&ndash;1932"
    teacher.add_note(note, teacher.decks.id("Russian"))
    basic = teacher.new_note(models.by_name("Basic"))
    basic["Front"], basic["Back"] = "Gosplan", "state planning committee"
    teacher.add_note(basic, teacher.decks.id("Russian"))
    types_before = sorted(nt.name for nt in models.all_names_and_ids())
    out = tmp_path / "vocab.apkg"
    _export(teacher, out)
    teacher.close()

    store = open_store(str(tmp_path / "s.db"))
    import_paths(store, [out], now)
    ours = tmp_path / "ours.toml"
    ours.write_text(
        'id = "ours"\nname = "Ours"\n\n[[cards]]\nid = "nep"\nfront = "NEP"\n'
        'back = "New Economic Policy"\n',
        encoding="utf-8",
    )
    import_paths(store, [ours], now)
    time.sleep(1.1)
    back = tmp_path / "back.apkg"
    export_apkg(store, [], back, with_history=False, force=False)
    store.close()

    teacher = Collection(str(tmp_path / "teacher" / "collection.anki2"))
    log = _import(teacher, back)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (1, 2, 0)
    # No "Vocab-…" nor "Basic-…" copy: the note types are hers, the new note uses her Basic.
    assert sorted(nt.name for nt in teacher.models.all_names_and_ids()) == types_before
    (nep,) = teacher.find_notes("NEP")
    assert teacher.get_note(nep).note_type()["name"] == "Basic"
    (word,) = teacher.find_notes("Word:пятилетка")
    kept = teacher.get_note(word)
    assert kept["Example"] == "<b>первая</b> пятилетка" and kept["Notes"] == "1928&ndash;1932"
    teacher.close()


def _folder(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def test_our_own_notes_go_out_in_ankis_note_types(tmp_path: Path) -> None:
    from anki.collection import Collection

    store = open_store(str(tmp_path / "s.db"))
    deck = tmp_path / "ours.toml"
    deck.write_text(
        'id = "ours"\nname = "Ours"\n\n'
        '[[cards]]\nid = "a"\nfront = "NEP"\nback = "New Economic Policy"\n\n'
        '[[cards]]\nid = "b"\nfront = "Beria"\nback = "MVD head"\nreverse = true\n\n'
        '[[cards]]\nid = "c"\nfront = "Year Stalin died?"\nback = "1953"\ntype = true\n\n'
        '[[cards]]\nid = "d"\ntext = "{{Lenin}} died in {{1924}}"\nextra = "Gorki"\n\n'
        '[[cards]]\nid = "e"\nfront = "Kulak"\nback = "a peasant"\nextra = "kept here"\n',
        encoding="utf-8",
    )
    import_paths(store, [deck], datetime.now(UTC))
    out = tmp_path / "ours.apkg"
    export_apkg(store, [], out, with_history=False, force=False)
    store.close()
    collection = Collection(str(_folder(tmp_path / "anki") / "collection.anki2"))
    _import(collection, out)
    # Anki matches note types by id, never by name: beside its own "Basic", ours of the same
    # shape is "Basic+" (a collection that gave us its own gets that one back, test above).
    kinds = {
        collection.get_note(nid).guid: collection.get_note(nid).note_type()["name"].rstrip("+")
        for nid in collection.find_notes("")
    }
    assert kinds == {
        "ours/a": "Basic",
        "ours/b": "Basic (and reversed card)",
        "ours/c": "Basic (type in the answer)",
        "ours/d": "Cloze",
        "ours/e": "stalindeck Basic",  # an extra line needs a field of its own
    }
    collection.close()


def test_a_deck_reviews_lists_and_exports_with_its_subdecks(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stalindeck.cli import app
    from stalindeck.store.queue import Filter

    now = datetime.now(UTC)
    teacher = teacher_collection(tmp_path / "teacher", now)
    package = tmp_path / "hist.apkg"
    _export(teacher, package)
    teacher.close()
    db = tmp_path / "s.db"
    store = open_store(str(db))
    import_paths(store, [package], now)
    # `review History` draws from History::Russia too; `review History::Russia` only from it.
    decks_seen: set[str] = set()
    review = ReviewSession(store, Filter(decks=("History",)), clock=lambda: now)
    while (shown := review.next_card()) is not None:
        decks_seen.add(shown.card.deck_name)
        review.answer(4)
    review.close()
    assert decks_seen == {"History", "History::Russia"}
    russia = ReviewSession(store, Filter(decks=("History::Russia",)), clock=lambda: now)
    assert russia.next_card() is None  # both of its new cards were answered above
    russia.close()
    out = tmp_path / "history.apkg"
    done = export_apkg(store, ["History"], out, with_history=False, force=False)
    assert done.decks == 2
    store.close()
    runner = CliRunner()
    listed = runner.invoke(app, ["--db", str(db), "decks"], env={"COLUMNS": "100"})
    assert listed.exit_code == 0, listed.stderr
    lines = [line.split() for line in listed.stdout.splitlines()]
    assert lines[1][:2] == ["History", "6"]  # its subdeck's cards counted in
    assert lines[3][:2] == ["Russia", "2"]  # under it, by the last part of its name
    stats = runner.invoke(app, ["--db", str(db), "stats", "History", "--json"])
    assert stats.exit_code == 0, stats.stderr
    assert json.loads(stats.stdout)["cards"]["total"] == 6
    # The image came with the package: kept in the store, listed by `card`.
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT name, data FROM media").fetchall() == [
            ("yezhov.png", PNG)
        ]
        (key,) = connection.execute("SELECT key FROM cards WHERE front LIKE '%NKVD%'").fetchone()
    shown = runner.invoke(app, ["--db", str(db), "card", f"history-russia/{key}", "--json"])
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["media"] == [{"name": "yezhov.png", "bytes": len(PNG)}]
    plain = runner.invoke(app, ["--db", str(db), "card", f"history-russia/{key}"])
    assert "yezhov.png (72 B)" in plain.stdout


def test_the_review_screen_opens_a_cards_media_in_the_viewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    from stalindeck.store.queue import Filter
    from stalindeck.ui.review_screen import ReviewScreen

    now = datetime.now(UTC)
    teacher = teacher_collection(tmp_path / "teacher", now)
    package = tmp_path / "hist.apkg"
    _export(teacher, package)
    teacher.close()
    store = open_store(str(tmp_path / "s.db"))
    import_paths(store, [package], now)
    # A stand-in for the desktop's viewer: it keeps a copy of the file it is given.
    seen = tmp_path / "seen.png"
    viewer = tmp_path / "viewer"
    viewer.write_text(f'#!/bin/sh\ncp "$1" {seen}\n', encoding="utf-8")
    viewer.chmod(0o755)
    monkeypatch.setenv("STALINDECK_VIEWER", str(viewer))
    keys = iter(["m", "q"])
    out = io.StringIO()
    session = ReviewSession(store, Filter(decks=("History::Russia",)), clock=lambda: now)
    screen = ReviewScreen(session, Console(file=out, width=100), read_key=lambda: next(keys))
    screen.run()
    session.close()
    store.close()
    assert "m media" in out.getvalue()  # the footer offers it for a card with media
    assert "opened in the viewer: yezhov.png" in out.getvalue()
    for _ in range(50):  # the viewer runs on its own, not waited for
        if seen.exists() and seen.read_bytes() == PNG:
            break
        time.sleep(0.1)
    assert seen.read_bytes() == PNG


def test_with_no_viewer_the_media_key_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stalindeck.errors import StalindeckError
    from stalindeck.interop.media import viewer_command

    monkeypatch.delenv("STALINDECK_VIEWER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no xdg-open, no open
    with pytest.raises(StalindeckError, match="set STALINDECK_VIEWER"):
        viewer_command()
    monkeypatch.setenv("STALINDECK_VIEWER", "mpv --force-window")
    assert viewer_command() == ["mpv", "--force-window"]


def test_the_review_screen_shows_a_notes_formatting(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from stalindeck.store.queue import Filter
    from stalindeck.ui.review_screen import ReviewScreen

    now = datetime.now(UTC)
    teacher = teacher_collection(tmp_path / "teacher", now)
    package = tmp_path / "hist.apkg"
    _export(teacher, package)
    teacher.close()
    store = open_store(str(tmp_path / "s.db"))
    import_paths(store, [package], now)
    # All notes are new: the reversed note, the cloze, then the basic one (the typed one next).
    keys = iter([" ", "3", " ", "3", " ", "q"])
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system="standard")
    session = ReviewSession(store, Filter(decks=("History",)), clock=lambda: now)
    ReviewScreen(session, console, read_key=lambda: next(keys)).run()
    session.close()
    store.close()
    shown = out.getvalue()
    assert "Who led the \x1b[1mNKVD\x1b[0m in 1938?" in shown  # bold, as in the note
    assert "\x1b[1;3mBeria" in shown  # italic (on the bold of a revealed answer)
    assert "[image: yezhov.png]" in shown
    assert "• June" in shown and "• December" in shown  # the cloze's Back Extra, a list


def test_a_card_from_a_package_is_not_drawn_before_the_session(tmp_path: Path) -> None:
    """Its HTML and media are the session's to read: the review screen's quick first frame
    (`cli.review_cmd._first_frame`) gives way to the ordinary path for it."""
    from stalindeck.review.first import first_question

    now = datetime.now(UTC)
    teacher = teacher_collection(tmp_path / "teacher", now)
    package = tmp_path / "hist.apkg"
    _export(teacher, package)
    teacher.close()
    store = open_store(str(tmp_path / "s.db"))
    import_paths(store, [package], now)
    store.close()
    first = first_question(str(tmp_path / "s.db"), "default", now, decks=("History",))
    assert first is not None and first.card.from_anki


def test_a_card_changed_since_its_note_is_shown_as_plain_text(tmp_path: Path) -> None:
    from stalindeck.interop.formatting import card_html
    from stalindeck.store.queue import Filter

    now = datetime.now(UTC)
    teacher = teacher_collection(tmp_path / "teacher", now)
    package = tmp_path / "hist.apkg"
    _export(teacher, package)
    teacher.close()
    db = tmp_path / "s.db"
    store = open_store(str(db))
    import_paths(store, [package], now)
    with sqlite3.connect(db) as connection:  # as a re-import from an edited deck file would
        connection.execute(
            "UPDATE cards SET front = 'Who led the NKVD in 1937?' WHERE front LIKE 'Who led%'"
        )
    session = ReviewSession(store, Filter(decks=("History::Russia",)), clock=lambda: now)
    shown = session.next_card()
    assert shown is not None and shown.card.front == "Who led the NKVD in 1937?"
    html = card_html(store, shown.card)
    assert html is not None and html.front is None  # the note's 1938 is not shown
    assert html.back == 'Yezhov<br>then <i>Beria</i><img src="yezhov.png">'
    session.close()
    store.close()
