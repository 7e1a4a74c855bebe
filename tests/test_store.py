"""The store: connection pragmas, migrations, and import keeping history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from stalindeck.decks.importing import bring_in_bundled, import_paths
from stalindeck.errors import DeckError, StoreError
from stalindeck.store import migrate
from stalindeck.store.engine import make_engine, resolve_url
from stalindeck.store.open import Store, open_store

from .conftest import T0

DECK = """id = "demo"
name = "Demo"

[[cards]]
id = "speech"
front = "When was the Secret Speech?"
back = "25 February 1956"

[[cards]]
id = "mvd"
front = "MVD became?"
back = "KGB"
reverse = true
"""


def test_pragmas_on_a_real_connection(store: Store) -> None:
    with store.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "busy_timeout": 10_000,
        "foreign_keys": 1,
    }


def test_writes_begin_immediate(store: Store) -> None:
    from stalindeck.store.engine import reading, writing

    other = sqlite3.connect(store.path, timeout=0)
    try:
        # BEGIN IMMEDIATE took the write lock up front: another writer is refused at once.
        with writing(store.engine), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        with reading(store.engine):
            other.execute("BEGIN IMMEDIATE")  # a reader holds no write lock
            other.rollback()
    finally:
        other.close()


def test_head_constant_matches_migrations() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_current_head() == migrate.HEAD_REVISION


def test_models_and_migrations_agree(store: Store) -> None:
    from alembic import command

    config = migrate.alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)  # raises if autogenerate would produce any change


def test_upgrade_from_first_revision_keeps_data(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    first = list(ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions())[-1]
    path = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(path)))
    migrate.upgrade(engine, first.revision)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO settings VALUES (1, 'kept', '\"yes\"')"))
    engine.dispose()
    store = open_store(str(path))
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT value FROM settings")).scalar() == '"yes"'
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == migrate.HEAD_REVISION


def test_dropping_the_content_hash_keeps_cards_states_and_history(
    tmp_path: Path, write_deck: Callable[[str, str], Path]
) -> None:
    # Revision 0003 drops a column of `cards`, which states and reviews reference with
    # ON DELETE CASCADE: copying the table (batch mode) would have emptied them.
    path = tmp_path / "v2.db"
    engine = make_engine(resolve_url(str(path)))
    migrate.upgrade(engine, "0002")
    engine.dispose()
    deck = write_deck(DECK)
    old = sqlite3.connect(path)
    with old:
        old.execute(
            "INSERT INTO decks (id, slug, name, description, source, tags, path, imported_at) "
            "VALUES (1, 'demo', 'Demo', '', '', '', ?, 0)",
            (str(deck.resolve()),),
        )
        old.execute(
            "INSERT INTO cards (id, deck_id, key, note, kind, front, back, answer, accept, extra,"
            " section, tags, line, position, content_hash, retired, created_at, updated_at) "
            "VALUES (7, 1, 'speech', 'speech', 'basic', 'When was the Secret Speech?',"
            " '25 February 1956', NULL, '[]', '', '', '', 4, 0, 'x', 0, 0, 0)"
        )
        old.execute(
            "INSERT INTO card_states (profile_id, card_id, state, reps, lapses, suspended) "
            "VALUES (1, 7, 2, 3, 1, 0)"
        )
        old.execute(
            "INSERT INTO reviews (card_id, profile_id, grade, reviewed_at, duration_ms,"
            " state_before, state_after, due_after) VALUES (7, 1, 3, 0, 0, 0, 2, 0)"
        )
    old.close()
    store = open_store(str(path))
    with store.engine.connect() as connection:
        columns = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(cards)")}
        kept = connection.execute(
            text(
                "SELECT (SELECT reps FROM card_states WHERE card_id = 7),"
                " (SELECT COUNT(*) FROM reviews WHERE card_id = 7)"
            )
        ).one()
    assert "content_hash" not in columns
    assert tuple(kept) == (3, 1)
    [changes] = import_paths(store, [deck], T0)
    # The stored text is what the file says: the card is unchanged, its history is its own.
    assert (changes.added, changes.updated, changes.unchanged) == (2, 0, 1)
    store.close()


def test_store_at_head_does_not_import_alembic(db_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from stalindeck.store.open import open_store; "
        f"open_store({str(db_path)!r}); print('alembic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_store_newer_than_code_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer than this stalindeck"):
        open_store(str(db_path))


def test_missing_folder_and_garbage_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(str(tmp_path / "nowhere" / "store.db"))
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="damaged or not a stalindeck store"):
        open_store(str(garbage))


def _cards(store: Store) -> dict[str, tuple[int, str, bool]]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT key, id, front, retired FROM cards")).all()
    return {row.key: (row.id, row.front, bool(row.retired)) for row in rows}


def test_import_add_update_unchanged_retire(store: Store, write_deck: Callable[..., Path]) -> None:
    path = write_deck(DECK)
    (changes,) = import_paths(store, [path], T0)
    assert (changes.added, changes.updated, changes.unchanged, changes.retired) == (3, 0, 0, 0)
    before = _cards(store)
    # Give the speech card some history, then edit its wording.
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO reviews (card_id, profile_id, grade, reviewed_at, duration_ms, "
                "state_before, state_after, due_after) VALUES (:id, 1, 3, 0, 1000, 0, 1, 0)"
            ),
            {"id": before["speech"][0]},
        )
    edited = DECK.replace("When was the Secret Speech?", "Date of the Secret Speech?")
    edited = edited.replace(
        '[[cards]]\nid = "mvd"',
        '[[cards]]\nid = "new-one"\nfront = "Q"\nback = "A"\n\n[[cards]]\nid = "mvd"',
    )
    path.write_text(edited.replace("reverse = true\n", ""), encoding="utf-8")
    (changes,) = import_paths(store, [path], T0 + timedelta(days=1))
    assert (changes.added, changes.updated, changes.unchanged, changes.retired) == (1, 1, 1, 1)
    after = _cards(store)
    assert after["speech"] == (before["speech"][0], "Date of the Secret Speech?", False)
    assert after["mvd/reverse"][2] is True  # retired, not deleted
    with store.engine.connect() as connection:
        kept = connection.execute(
            text("SELECT count(*) FROM reviews WHERE card_id = :id"), {"id": before["speech"][0]}
        ).scalar()
    assert kept == 1
    # Put the reverse back: the same card returns.
    path.write_text(DECK, encoding="utf-8")
    (changes,) = import_paths(store, [path], T0 + timedelta(days=2))
    # One edited back, the reverse restored, the card added last time retired.
    assert (changes.added, changes.updated, changes.retired, changes.restored) == (0, 1, 1, 1)
    assert _cards(store)["mvd/reverse"] == (before["mvd/reverse"][0], "KGB", False)


def test_reimport_unchanged_and_dry_run(store: Store, write_deck: Callable[..., Path]) -> None:
    path = write_deck(DECK)
    (dry,) = import_paths(store, [path], T0, dry_run=True)
    assert dry.added == 3 and dry.new_deck
    assert _cards(store) == {}
    import_paths(store, [path], T0)
    (again,) = import_paths(store, [path], T0)
    assert (again.added, again.updated, again.unchanged, again.retired) == (0, 0, 3, 0)


def test_invalid_deck_imports_nothing(store: Store, write_deck: Callable[..., Path]) -> None:
    good = write_deck(DECK, "good.toml")
    bad = write_deck(
        DECK.replace('id = "demo"', 'id = "other"').replace('back = "KGB"', ""), "bad.toml"
    )
    with pytest.raises(DeckError) as caught:
        import_paths(store, [good, bad], T0)
    assert caught.value.problems[0].startswith(f"{bad}:")
    assert _cards(store) == {}


def test_tags_and_states_written(store: Store, write_deck: Callable[..., Path]) -> None:
    path = write_deck(
        DECK.replace('name = "Demo"', 'name = "Demo"\ntags = ["exam"]').replace(
            'back = "KGB"', 'back = "KGB"\ntags = ["police"]'
        )
    )
    import_paths(store, [path], T0)
    with store.engine.connect() as connection:
        tags = connection.execute(
            text(
                "SELECT c.key, group_concat(t.tag, ' ') FROM cards c JOIN card_tags t "
                "ON t.card_id = c.id GROUP BY c.key ORDER BY c.key"
            )
        ).all()
        states = connection.execute(text("SELECT count(*) FROM card_states WHERE state = 0"))
        assert states.scalar() == 3
    assert dict(tags) == {"mvd": "exam police", "mvd/reverse": "exam police", "speech": "exam"}


def test_first_run_imports_bundled_decks_once(store: Store) -> None:
    first = bring_in_bundled(store, T0)
    assert first.first_run and first.changes[0].slug == "khrushchev-destalinisation"
    assert first.changes[0].added >= 80
    assert bring_in_bundled(store, T0) == (False, [], None)


def test_an_upgrade_brings_the_bundled_decks_corrections(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled deck follows the installed file (an upgrade's corrections come in, cards
    keep their ids and history) until the student imports a copy of their own."""
    from stalindeck import resources

    shipped = tmp_path / "shipped" / "demo.toml"
    shipped.parent.mkdir()
    shipped.write_text(DECK, encoding="utf-8")
    monkeypatch.setattr(resources, "bundled_decks_dir", lambda: shipped.parent)
    assert bring_in_bundled(store, T0).first_run
    before = _cards(store)
    assert bring_in_bundled(store, T0) == (False, [], None)  # unchanged: nothing to say
    shipped.write_text(DECK.replace("When was the Secret Speech?", "When was it?"), "utf-8")
    update = bring_in_bundled(store, T0)
    assert not update.first_run
    assert [(change.slug, change.updated, change.added) for change in update.changes] == [
        ("demo", 1, 0)
    ]
    assert _cards(store)["speech"] == (before["speech"][0], "When was it?", False)
    own = tmp_path / "mine.toml"
    own.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    import_paths(store, [own], T0)  # the student's own copy from now on
    shipped.write_text(DECK, encoding="utf-8")
    assert bring_in_bundled(store, T0) == (False, [], None)
    assert _cards(store)["speech"][1] == "When was it?"


def test_new_profile_gets_every_card(db_path: Path, write_deck: Callable[..., Path]) -> None:
    store = open_store(str(db_path))
    import_paths(store, [write_deck(DECK)], T0)
    other = open_store(str(db_path), profile="sam")
    with other.engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM card_states WHERE profile_id = :p"), {"p": other.profile_id}
        ).scalar()
    assert other.profile_id != store.profile_id and count == 3


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "tab\there"])
def test_a_profile_name_that_cannot_be_stored_is_one_line(db_path: Path, name: str) -> None:
    open_store(str(db_path)).close()
    with pytest.raises(StoreError, match="cannot name a profile: use 1 to 64 printable"):
        open_store(str(db_path), profile=name)
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT name FROM profiles").fetchall() == [("default",)]


def test_a_refused_value_at_open_is_not_called_damage(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    from stalindeck.store import open as opening

    def refused(*_args: object) -> int:
        raise IntegrityError("INSERT INTO profiles", {}, Exception("duplicate key (id)=(1)"))

    monkeypatch.setattr(opening, "_profile_id", refused)
    with pytest.raises(StoreError) as raised:
        open_store(str(db_path))
    assert "cannot open the store" in str(raised.value)
    assert "damaged" not in str(raised.value) and "restore" not in str(raised.value)


def test_store_behind_head_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(path)))
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO settings VALUES (1, 'kept', '1')"))
    engine.dispose()
    open_store(str(path)).close()
    (backup,) = (tmp_path / "backups").glob("old-*-upgrade.db")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT value FROM settings WHERE key = 'kept'").fetchone() == ("1",)
    with sqlite3.connect(path) as upgraded:
        assert upgraded.execute("SELECT version_num FROM alembic_version").fetchone() == (
            migrate.HEAD_REVISION,
        )
        columns = [row[1] for row in upgraded.execute("PRAGMA table_info(decks)")]
    assert "source_digest" in columns


def test_unchanged_file_is_not_read_again(
    store: Store, write_deck: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import stalindeck.decks.importing as importing

    path = write_deck(DECK)
    import_paths(store, [path], T0, dry_run=True)  # a dry run remembers nothing
    import_paths(store, [path], T0)

    def no_reading(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(importing, "load_decks", no_reading)
    (again,) = import_paths(store, [path], T0)
    assert (again.slug, again.added, again.updated, again.unchanged) == ("demo", 0, 0, 3)
    monkeypatch.undo()
    path.write_text(DECK.replace("KGB", "the KGB"), encoding="utf-8")
    (edited,) = import_paths(store, [path], T0)
    assert (edited.updated, edited.unchanged) == (2, 1)


def test_a_broken_bundled_update_does_not_stop_the_student(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stalindeck import resources

    shipped = tmp_path / "shipped" / "demo.toml"
    shipped.parent.mkdir()
    shipped.write_text(DECK, encoding="utf-8")
    monkeypatch.setattr(resources, "bundled_decks_dir", lambda: shipped.parent)
    bring_in_bundled(store, T0)
    before = _cards(store)
    shipped.write_text(DECK.replace('back = "KGB"\n', ""), encoding="utf-8")
    update = bring_in_bundled(store, T0)
    assert (
        update.changes == [] and update.problem is not None and "missing 'back'" in update.problem
    )
    assert _cards(store) == before
