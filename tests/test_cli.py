"""The command line: every command through typer's runner, asserting on what reached disk."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from stalindeck import __version__
from stalindeck.cli import app
from stalindeck.exporting import safe_cell

from .conftest import rollover_far_from_now
from .test_store import DECK

runner = CliRunner()


def run(db: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["--db", str(db), *args], input=input, env={"COLUMNS": "100", "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


def all_commands() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        paths.append(prefix)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_help(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "-h"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and len(result.stdout) > 100


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.stdout.strip() == f"stalindeck {__version__}"


def test_first_run_status_json(tmp_path: Path) -> None:
    code, out, err = run(tmp_path / "s.db", "status", "--json")
    assert code == 0, err
    assert "First run: loaded" in err
    data = json.loads(out)
    (deck,) = data["decks"]
    assert deck["deck"] == "khrushchev-destalinisation"
    assert (deck["new"], deck["learning"], deck["due"]) == (20, 0, 0)
    assert data["total"]["new"] == 20


def test_import_summary_and_decks(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    db = tmp_path / "s.db"
    code, out, _ = run(db, "import", str(write_deck(DECK)))
    assert code == 0
    assert "demo (new deck)" in out and "3" in out
    code, out, _ = run(db, "import", "--dry-run", str(tmp_path))
    assert code == 0 and "Dry run" in out
    code, out, _ = run(db, "decks")
    assert "demo" in out and "Demo" in out
    sheet = tmp_path / "class.csv"
    sheet.write_text("front,back\nQ1,A1\n", encoding="utf-8")
    run(db, "import", str(sheet))
    code, out, _ = run(db, "decks")
    # Alphabetical whatever the case; a deck whose name is its id is listed once, and Demo's id
    # (demo) goes under its name.
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["class", "Demo", "demo"]


def test_bundled_decks_can_be_imported_after_a_first_import_of_ones_own(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    """A store whose first command imported the class's own deck has no bundled deck (the
    first run loads it only into an empty store): `import --bundled` adds it, and after an
    upgrade brings its corrections."""
    db = tmp_path / "s.db"
    assert run(db, "import", str(write_deck(DECK)))[0] == 0
    code, out, _ = run(db, "status", "--json")
    assert code == 0 and [deck["deck"] for deck in json.loads(out)["decks"]] == ["demo"]
    code, out, _ = run(db, "import", "--bundled")
    assert code == 0 and "khrushchev-destalinisation (new deck)" in out
    code, out, _ = run(db, "status", "--json")
    assert sorted(deck["deck"] for deck in json.loads(out)["decks"]) == [
        "demo",
        "khrushchev-destalinisation",
    ]
    code, out, _ = run(db, "import", "--bundled")
    assert code == 0 and "(new deck)" not in out


def test_import_needs_something_to_import(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "s.db", "import")
    assert (code, err) == (1, "error: nothing to import: give deck files, or --bundled\n")
    code, _, err = run(tmp_path / "s.db", "import", "--bundled", "--deck", "x")
    assert code == 1 and err.startswith("error: --bundled imports stalindeck's own decks")


def test_invalid_import_writes_nothing(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    db = tmp_path / "s.db"
    bad = write_deck(DECK.replace('back = "KGB"\n', "").replace('id = "speech"', 'id = "x y"'))
    code, out, err = run(db, "import", str(bad))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{bad}:4: x y: card id 'x y' is not valid")
    assert any(f"{bad}:9: mvd: missing 'back'" in line for line in lines)
    assert lines[-1].startswith("error: 2 problems found; nothing was imported.")
    code, out, _ = run(db, "export", "cards", "-f", "json")
    assert all(row["deck"] != "demo" for row in json.loads(out))


def test_missing_file_and_store_errors(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "s.db", "import", str(tmp_path / "none.toml"))
    assert code == 1 and err.strip() == f"error: {tmp_path / 'none.toml'}: no such file or folder"
    code, _, err = run(tmp_path / "missing" / "s.db", "status")
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err
    code, _, err = run(tmp_path / "s.db", "export", "cards", "-f", "xml")
    assert code == 1 and "unknown format 'xml'" in err


def test_env_var_names_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STALINDECK_DB", str(tmp_path / "env.db"))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0 and (tmp_path / "env.db").exists()


def test_export_cards_to_file_and_force(tmp_path: Path) -> None:
    db, target = tmp_path / "s.db", tmp_path / "cards.csv"
    code, _, err = run(db, "export", "cards", "-o", str(target))
    assert code == 0 and "Wrote" in err
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert len(rows) >= 80
    assert set(rows[0]) == {
        "card_id",
        "deck",
        "tags",
        "front",
        "back",
        "state",
        "step",
        "stability",
        "difficulty",
        "due",
        "last_review",
        "reps",
        "lapses",
        "suspended",
    }
    assert rows[0]["card_id"].startswith("khrushchev-destalinisation/")
    code, _, err = run(db, "export", "cards", "-o", str(target))
    assert code == 1 and "--force" in err
    assert run(db, "export", "cards", "-o", str(target), "--force")[0] == 0


def test_review_line_mode_then_exports(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    db = tmp_path / "s.db"
    run(db, "import", str(write_deck(DECK)))
    code, out, err = run(db, "review", "demo", "--limit", "2", input="\n3\n4\n")
    assert code == 0, err
    assert out.count("question: ") >= 2
    assert "graded: 3 Good" in out and "graded: 4 Easy" in out
    assert "Reviewed 2 cards (2 answers) · 100% correct · " in out and "· 2 of them new" in out
    code, out, _ = run(db, "export", "reviews", "-f", "json")
    reviews = json.loads(out)
    assert [row["grade"] for row in reviews] == [3, 4]
    assert reviews[0]["state_before"] == "new" and reviews[0]["state_after"] == "learning"
    assert reviews[1]["state_after"] == "review" and reviews[1]["reviewed_at"].endswith("Z")
    code, out, _ = run(db, "export", "cards", "-f", "json")
    states = {row["card_id"]: row["state"] for row in json.loads(out)}
    assert sorted(states.values()).count("review") == 1


def test_review_line_mode_typed_and_commands(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    code, out, err = run(db, "review", "--type", "--limit", "3", input="nonsense\n\n:s\n:u\n:q\n")
    assert code == 0, err
    assert "result: wrong" in out and "graded: 1 Again" in out
    assert "suspended: " in out and "undone: " in out
    code, out, _ = run(db, "export", "cards", "-f", "json")
    assert not any(row["suspended"] for row in json.loads(out))


def test_review_type_checks_a_cloze_against_its_gap(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    deck = tmp_path / "speech.toml"
    deck.write_text(
        'id = "speech"\nname = "Speech"\n\n[[cards]]\nid = "when"\n'
        'text = "Khrushchev spoke on {{25 February 1956}} to the {{20th}} Party Congress."\n',
        encoding="utf-8",
    )
    run(db, "import", str(deck))
    code, out, err = run(db, "review", "speech", "--type", input="25 Feb 1956\n\n:q\n")
    assert code == 0, err
    assert "result: correct; expected 25 February 1956; proposed 3" in out


def test_review_unknown_deck(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "s.db", "review", "nope")
    assert code == 1 and "no deck named 'nope'" in err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (3, 3),
        (None, ""),
        (True, "true"),
    ],
)
def test_csv_cells_are_neutralised(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_json_export_round_trips(tmp_path: Path) -> None:
    from stalindeck.exporting import write_rows

    rows = [{"a": "line\nbreak", "b": 1.5, "c": None, "d": ["x", "y"]}]
    stream = io.StringIO()
    write_rows(rows, ["a", "b", "c", "d"], "json", stream)
    assert json.loads(stream.getvalue()) == rows


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense://x", "a store is a SQLite file or a PostgreSQL database"),
        ("postgresql://u@localhost/x", "needs the Python"),
        ("mysql://u@localhost/x", "a store is a SQLite file or a PostgreSQL database"),
        ("postgresql://u@localhost:notaport/x", "is not a store URL"),
    ],
)
def test_unusable_store_urls_are_one_line(url: str, message: str) -> None:
    import importlib.util

    if message == "needs the Python" and importlib.util.find_spec("psycopg"):
        pytest.skip("psycopg is installed here: the URL would be tried for real")
    # Commands that only read the file name check the URL as closely (a driver is not needed).
    for command in ("status",) if message == "needs the Python" else ("status", "backups"):
        result = runner.invoke(app, ["--db", url, command])
        assert result.exit_code == 1
        assert message in result.stderr and result.stderr.count("\n") == 1


def test_a_relative_sqlite_url_names_a_file_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--db", "sqlite:///rel.db", "status"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "rel.db").is_file() and "First run: loaded" in result.stderr


def test_the_closing_lines_say_what_is_left_today(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    run(db, "settings", "rollover_hour", rollover_far_from_now())
    code, out, err = run(db, "review", input="q\n")  # the bundled deck, quit at once
    assert code == 0, err
    assert "Nothing reviewed." in out
    assert "Left for today: 20 new cards; `stalindeck review` goes on." in out
    assert "tomorrow" not in out
    narrow = runner.invoke(app, ["--db", str(db), "review"], input="q\n", env={"COLUMNS": "30"})
    assert "Left for today: 20 new cards; `stalindeck review` goes on.\n" in narrow.stdout
    code, out, err = run(db, "review", input="\n3\nq\n")  # one new card answered, then quit
    assert code == 0, err
    assert "Left for today: 19 new cards" in out
    assert "Next card due" not in out  # the cards left can be shown now, whatever is due later
    run(db, "settings", "new_per_day", "2")
    # Easy sends a new card straight to review, days away: today's allowance is then used up.
    code, out, err = run(db, "review", input="\n4\n" * 3)
    assert code == 0, err
    assert "Reviewed 2 cards" in out and "Left for today" not in out
    assert "Next card due in " in out
    assert "More new cards come with tomorrow's allowance (setting new_per_day)." in out


def test_what_is_left_reads_as_a_sentence() -> None:
    from stalindeck.words import joined

    assert joined([]) == "" and joined(["3 reviews"]) == "3 reviews"
    assert joined(["3 reviews", "1 new card"]) == "3 reviews and 1 new card"
    assert joined(["3 reviews", "1 new card", "2 in learning"]) == (
        "3 reviews, 1 new card and 2 in learning"
    )


def test_a_session_stopped_by_its_own_bounds_says_what_today_still_holds(
    tmp_path: Path,
) -> None:
    # --limit and --new stop a session while the day's allowance still holds new cards.
    db = tmp_path / "s.db"
    for bound in (("--limit", "2"), ("--new", "2")):
        code, out, err = run(db, "review", *bound, input="\n4\n" * 3)
        assert code == 0, err
        assert "tomorrow's allowance" not in out
        new_left = json.loads(run(db, "status", "--json")[1])["total"]["new"]
        assert 0 < new_left < 20 and f"Left for today: {new_left} new cards" in out


def test_a_review_of_suspended_cards_only_says_so(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    sheet = tmp_path / "class.csv"
    sheet.write_text("front,back\nQ1,A1\nQ2,A2\n", encoding="utf-8")
    run(db, "import", str(sheet))
    ids = [card["card_id"] for card in json.loads(run(db, "cards", "-d", "class", "--json")[1])]
    assert run(db, "suspend", *ids)[0] == 0
    code, out, err = run(db, "review", "class", input="")
    assert code == 0, err
    assert "All 2 cards here are suspended" in out and "No cards here" not in out


def test_a_removed_deck_leaves_lists_and_queues_and_comes_back_with_its_history(
    tmp_path: Path,
) -> None:
    db = tmp_path / "s.db"
    sheet = tmp_path / "class.csv"
    sheet.write_text("front,back,tags\nQ1,A1,gone\nQ2,A2,gone\n", encoding="utf-8")
    run(db, "import", str(sheet))
    assert run(db, "review", "class", input="\n3\n")[0] == 0
    code, out, err = run(db, "remove", "class", "nope")
    assert code == 1 and "no deck named 'nope'" in err  # a slip: nothing removed
    code, out, err = run(db, "remove", "class")
    assert code == 0, err
    assert "Removed class (2 cards; the history is kept)" in out
    assert f"`stalindeck import {sheet.resolve()}` brings it back" in out
    assert list((tmp_path / "backups").glob("*-remove.db"))
    assert "class" not in run(db, "decks")[1] and "class" not in run(db, "status")[1]
    assert "no deck named 'class'" in run(db, "review", "class")[2]
    reviews = json.loads(run(db, "export", "reviews", "-f", "json")[1])
    assert [review["card_id"].split("/")[0] for review in reviews] == ["class"]  # kept
    assert "no card is tagged 'gone'" in run(db, "review", "--tag", "gone")[2]
    code, out, err = run(db, "import", str(sheet))  # the same file, unchanged: read again
    assert code == 0, err
    header, row = [line for line in out.splitlines() if line.strip()][:2]
    assert header.split()[-2:] == ["retired", "restored"]
    assert row.split()[1:] == ["0", "0", "0", "0", "2"]  # back in use, not "updated"
    assert "restored" not in run(db, "import", str(sheet))[1]  # nothing restored: no column
    cards = json.loads(run(db, "cards", "-d", "class", "--json")[1])
    assert sorted(card["state"] for card in cards) == ["learning", "new"]  # as it was


def test_a_removed_bundled_deck_stays_removed_until_asked_for(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    run(db, "status")  # the first run loads the bundled deck
    code, _out, err = run(db, "remove", "khrushchev-destalinisation")
    assert code == 0, err
    assert run(db, "status", "--json")[1].count('"deck"') == 0  # not loaded again
    assert "No decks: `stalindeck import FILE` adds one" in run(db, "decks")[1]
    assert "No cards here: `stalindeck import FILE` adds a deck" in run(db, "review")[1]
    code, _out, err = run(db, "import", "--bundled")
    assert code == 0, err
    (deck,) = json.loads(run(db, "status", "--json")[1])["decks"]
    assert deck["deck"] == "khrushchev-destalinisation"


def test_a_workbook_is_told_to_be_saved_as_csv(tmp_path: Path) -> None:
    book = tmp_path / "class.xlsx"
    book.write_bytes(b"PK\x03\x04" + bytes(60))
    code, _out, err = run(tmp_path / "s.db", "import", str(book))
    assert code == 1 and err.count("\n") == 1
    assert "a spreadsheet workbook" in err and "'CSV UTF-8'" in err


def test_the_command_list_shows_one_sentence_per_command() -> None:
    from stalindeck.cli import export_cmd

    for typer_app in (app, export_cmd.app):
        for command in typer_app.registered_commands:
            assert command.short_help, command.name
            assert "\n" not in command.short_help and command.short_help.endswith(".")


def test_review_ahead_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    run(db, "review", "--limit", "2", input="4\n20th\n4\n")  # two learnt, due in days
    code, out, err = run(db, "review", "--new", "0", input="q\n")
    assert code == 0 and "question:" not in out  # nothing due now
    code, out, err = run(db, "review", "--ahead", input="3\nq\n")
    assert code == 0, err
    assert out.count("question:") == 2 and "graded: 3 Good" in out
    assert "Left to review ahead: 1 review; `--ahead` again goes on." in out
    # Review ahead takes no new cards, and says how many today's allowance still holds.
    assert "New today: 18 cards; `stalindeck review` shows them." in out
    assert "tomorrow's allowance" not in out


def test_review_ahead_takes_no_new_cards_option(tmp_path: Path) -> None:
    code, out, err = run(tmp_path / "s.db", "review", "--ahead", "--new", "5", input="")
    assert code == 1 and out == ""
    assert (
        err == "error: --ahead goes over the cards you have learnt, not new ones; leave out --new\n"
    )
    assert not (tmp_path / "s.db").exists()


def test_a_store_url_never_shows_its_password() -> None:
    from stalindeck.store.location import shown_url

    assert shown_url("postgresql+psycopg://ann:s3cr@t@db.school/class") == (
        "postgresql+psycopg://ann:***@db.school/class"
    )
    assert shown_url("postgresql://ann@db/class") == "postgresql://ann@db/class"
    assert shown_url("/home/ann/my:file@x.db") == "/home/ann/my:file@x.db"
    # Whatever fails (no driver, no server, wrong password), one line and no password.
    for url in ("postgresql://ann:hunter2@127.0.0.1:1/class", "nonsense+x://ann:hunter2@h/x"):
        result = runner.invoke(app, ["--db", url, "status"])
        assert result.exit_code == 1
        assert "hunter2" not in result.stderr and result.stderr.count("\n") == 1


def test_an_upgraded_bundled_deck_is_brought_in_and_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stalindeck import resources

    shipped = tmp_path / "shipped" / "demo.toml"
    shipped.parent.mkdir()
    shipped.write_text(DECK, encoding="utf-8")
    monkeypatch.setattr(resources, "bundled_decks_dir", lambda: shipped.parent)
    db = tmp_path / "s.db"
    code, _, err = run(db, "stats", "--json")
    assert code == 0 and err.startswith("First run: loaded 3 cards from the bundled decks (Demo)")
    code, _, err = run(db, "stats", "--json")
    assert code == 0 and err == ""
    shipped.write_text(DECK.replace('back = "KGB"', 'back = "the KGB"'), encoding="utf-8")
    code, _, err = run(db, "stats", "--json")
    assert code == 0 and err == (
        "Updated the bundled deck Demo from this version of stalindeck: 2 edited, 0 added, "
        "0 retired (history kept).\n"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("review", "--limit", "abc"), 2, "error: Invalid value for '--limit': 'abc' is not a"),
        (("import", "--bogus"), 2, "error: No such option: --bogus (see `stalindeck import"),
        (("export", "apkg"), 2, "error: Missing option '--output' / '-o'. (see `stalindeck"),
        (("nosuch",), 2, "error: No such command 'nosuch'. (see `stalindeck --help`)"),
        (("card", "nope/x"), 1, "error: no card 'nope/x'"),
        (("status",), 0, ""),
    ],
)
def test_the_installed_command_says_every_refusal_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    import sys

    from stalindeck.cli import main

    db = tmp_path / "s.db"
    run(db, "status")  # the first run's own lines said
    monkeypatch.setattr(sys, "argv", ["python", "--db", str(db), *args])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == code
    assert err.startswith(message) and err.count("\n") == (1 if message else 0)


def test_a_file_of_another_name_does_not_quietly_take_over_a_deck(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    good, other = tmp_path / "good.toml", tmp_path / "other.toml"
    deck = 'id = "cold-war"\nname = "Cold War"\n\n'
    good.write_text(deck + '[[cards]]\nid = "a"\nfront = "Q1"\nback = "A1"\n', encoding="utf-8")
    other.write_text(deck + '[[cards]]\nid = "c"\nfront = "Q3"\nback = "A3"\n', encoding="utf-8")
    assert run(db, "import", str(good))[0] == 0
    for dry in ((), ("--dry-run",)):
        code, out, err = run(db, "import", str(other), *dry)  # a template copied, id kept
        assert code == 1 and out == "" and err.count("\n") == 1
        assert "the deck id 'cold-war' belongs to the deck 'Cold War', last imported from " in err
        assert "lacks 1 of its cards" in err and "pass --replace" in err
    assert "cold-war" in run(db, "cards", "--json")[1]  # nothing retired
    moved = tmp_path / "sub" / "good.toml"  # the same file, moved: its own deck
    moved.parent.mkdir()
    moved.write_text(other.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(db, "import", str(moved))[0] == 0
    code, out, err = run(db, "import", str(good), "--replace")
    assert code == 0 and "cold-war" in out, err
    # Two spreadsheets given one deck name: the second does not replace the first.
    (tmp_path / "a.csv").write_text("front,back\nQ,A\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("front,back\nX,Y\n", encoding="utf-8")
    assert run(db, "import", str(tmp_path / "a.csv"), "--deck", "Same")[0] == 0
    code, _out, err = run(db, "import", str(tmp_path / "b.csv"), "--deck", "Same")
    assert code == 1 and "the deck id 'same' belongs to the deck 'Same'" in err


def test_an_import_option_that_would_be_ignored_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    deck = tmp_path / "deck.toml"
    deck.write_text(DECK, encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nQ,A\n", encoding="utf-8")
    code, _out, err = run(db, "import", str(deck), "--deck", "Mine")
    assert code == 1 and err.count("\n") == 1 and "a TOML deck names itself" in err
    code, _out, err = run(db, "import", str(sheet), "--with-history")
    assert code == 1 and err.count("\n") == 1 and "review log of Anki packages" in err
    assert "Nothing was imported" in err


def test_profiles_are_listed_and_a_name_differing_in_capitals_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert run(db, "--profile", "anna", "review", input="\n3\nq\n")[0] == 0
    for slip, message in (
        ("Anna", "there is a profile 'anna', a name differing only in capitals; use --profile"),
        ("anna ", "not starting or ending with a space"),
    ):
        code, out, err = run(db, "--profile", slip, "status")
        assert code == 1 and out == "" and message in err and err.count("\n") == 1
    code, out, err = run(db, "profiles", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [(row["name"], row["reviews"]) for row in listed] == [("anna", 1), ("default", 0)]
    assert listed[0]["last_review"].endswith("Z") and listed[1]["last_review"] is None
    code, out, err = run(db, "profiles")
    assert code == 0 and "anna" in out and "never" in out, err


def test_line_mode_says_when_a_line_is_no_action(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nQ1,A1\nQ2,A2\n", encoding="utf-8")
    run(db, "import", str(sheet))
    code, out, err = run(db, "review", "sheet", input="xyz\nshow\n3\n:q\n")
    assert code == 0, err
    assert "error: 'xyz' is no action here; an empty line shows the answer" in out
    assert out.index("error: 'xyz'") < out.index("answer: A") and "graded: 3 Good" in out
    code, out, err = run(db, "review", "sheet", "--type", input=":z\nA2\n\n:q\n")
    assert "error: ':z' is not a command; :u, :s, :b or :q, or type the answer" in out
    assert "result: correct" in out


def test_a_dry_run_with_history_says_what_would_be_imported(tmp_path: Path) -> None:
    from .test_apkg import anki_collection

    collection = anki_collection(tmp_path / "anki")
    package = tmp_path / "backup.colpkg"
    collection.export_collection_package(str(package), include_media=False, legacy=False)
    db = tmp_path / "s.db"
    code, out, err = run(db, "import", str(package), "--with-history", "--dry-run")
    assert code == 0, err
    assert "3 reviews would be imported." in out and "Dry run" in out
    assert "3 reviews imported" not in out


@pytest.mark.parametrize(
    "args",
    [
        ("export", "deck", "demo", "-o", "{folder}"),
        ("export", "deck", "demo", "-o", "{folder}", "--force"),
        ("export", "apkg", "-o", "{folder}", "--force"),
        ("export", "cards", "-f", "csv", "-o", "{folder}", "--force"),
        ("export", "progress", "-o", "{folder}", "--force"),
        ("stats", "--svg", "{folder}", "--force"),
    ],
)
def test_a_folder_given_for_a_file_is_one_line(
    tmp_path: Path, write_deck: Callable[..., Path], args: tuple[str, ...]
) -> None:
    db = tmp_path / "s.db"
    run(db, "import", str(write_deck(DECK)))
    folder = tmp_path / "out"
    folder.mkdir()
    code, _out, err = run(db, *(arg.format(folder=folder) for arg in args))
    assert code == 1 and err == f"error: {folder} is a folder; give a file name in it\n"
    assert list(folder.iterdir()) == []
