"""CSV/TSV decks: Anki's text-export headers, plain spreadsheets, re-import keeping history."""

from __future__ import annotations

import codecs
import csv
import io
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks import csv_deck
from stalindeck.decks.foreign import html_to_text
from stalindeck.decks.formats import load_files
from stalindeck.decks.importing import import_paths
from stalindeck.decks.model import DeckSpec, Kind
from stalindeck.errors import DeckError, StalindeckError
from stalindeck.store.open import Store

from .conftest import T0

runner = CliRunner()


def load_csv(path: Path, *, deck_name: str | None = None) -> list[DeckSpec]:
    return load_files([path], fmt="csv", deck_name=deck_name)[0]


def write(tmp_path: Path, text: str, name: str = "facts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cards_on_disk(store: Store) -> dict[str, tuple[int, str, str, str]]:
    """key -> (row id, front, back, tags), read with a separate connection."""
    assert store.path is not None
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute(
            "SELECT cards.key, cards.id, front, back, cards.tags FROM cards "
            "JOIN decks ON decks.id = cards.deck_id WHERE NOT retired"
        ).fetchall()
    return {key: (card_id, front, back, tags) for key, card_id, front, back, tags in rows}


def problems_of(path: Path, **options: str) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_csv(path, **options)  # type: ignore[arg-type]
    return list(caught.value.problems)


ANKI_EXPORT = (
    "#separator:tab\n"
    "#html:true\n"
    "#guid column:1\n"
    "#notetype column:2\n"
    "#deck column:3\n"
    "#tags column:6\n"
    "D!>p_F+3iD\tBasic\tHistory::Russia\tWhen <b>was</b> the speech?\t"
    "25 Feb 1956<br>closed&nbsp;session\ta::b speech\n"
    "Pu:&xoOe>J\tBasic (and reversed card)\tHistory::Russia\tBeria\tMVD head\t\n"
    "i=zR.Z;3x7\tCloze\tHistory::Other\tIn {{c1::June 1956}}, {{c2::51,439::number}} left "
    "{{c1::camps}}.\textra!\t\n"
)


def test_anki_text_export_headers(tmp_path: Path) -> None:
    decks = {deck.slug: deck for deck in load_csv(write(tmp_path, ANKI_EXPORT, "notes.txt"))}
    assert set(decks) == {"history-russia", "history-other"}
    russia = decks["history-russia"]
    assert russia.name == "History::Russia"
    basic, forward, backward = russia.cards
    assert basic.front == "When was the speech?"
    assert basic.back == "25 Feb 1956\nclosed session"
    assert basic.tags == ("a::b", "speech")
    assert (forward.kind, backward.kind) == (Kind.BASIC, Kind.REVERSE)
    assert backward.key == forward.key + "/reverse" and backward.front == "MVD head"
    # As in Anki, one card per cloze number: the two c1 deletions are hidden together.
    clozes = decks["history-other"].cards
    assert [card.front for card in clozes] == [
        "In [...], 51,439 left [...].",
        "In June 1956, [number] left camps.",
    ]
    assert [card.key.rsplit("/", 1)[1] for card in clozes] == ["c1", "c2"]
    assert all(card.extra == "extra!" for card in clozes)
    # The key comes from the guid, the same way an .apkg's does.
    assert basic.key.startswith("g-") and basic.note == basic.key


def test_plain_spreadsheet_with_header_row_and_deck_option(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Front,Back,Tags,Extra\r\n"
        'Capital of France?,Paris,geo europe,"on the Seine"\r\n'
        '"Multi\nline",x,,\r\n'
        "=1+1,2,,\r\n",
    )
    (deck,) = load_csv(path, deck_name="My Geography")
    assert (deck.slug, deck.name) == ("my-geography", "My Geography")
    first, second, third = deck.cards
    assert (first.front, first.back, first.tags, first.extra) == (
        "Capital of France?",
        "Paris",
        ("geo", "europe"),
        "on the Seine",
    )
    assert second.front == "Multi\nline"
    assert third.front == "=1+1"  # data, never a formula
    assert [card.line for card in deck.cards] == [2, 3, 5]


def test_no_header_row_is_front_back_tags_and_deck_from_file_name(tmp_path: Path) -> None:
    (deck,) = load_csv(write(tmp_path, "a;1\nb;2;t1\n", "words.txt"))
    assert deck.slug == "words"
    assert [(card.front, card.back, card.tags) for card in deck.cards] == [
        ("a", "1", ()),
        ("b", "2", ("t1",)),
    ]


def test_tsv_and_cloze_text_column(tmp_path: Path) -> None:
    path = write(tmp_path, "text\tsection\nThe {{GULAG::camps}} shrank.\tReforms\n", "c.tsv")
    (deck,) = load_csv(path)
    (card,) = deck.cards
    assert (card.kind, card.front, card.section) == (Kind.CLOZE, "The [camps] shrank.", "Reforms")


def test_every_problem_reported_with_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "front,back\nsame,1\nno back,\nsame,2\n,orphan\n",
    )
    found = problems_of(path)
    assert found == [
        f"{path}:3: the back (second field) is empty",
        f"{path}:4: same first field as line 2: rows are matched by their first field, "
        "so each must be unique in a deck",
        f"{path}:5: the front (first field) is empty",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#separator:Nope\na,b\n", "unknown separator 'Nope'"),
        ("#html:maybe\na,b\n", "#html must be true or false"),
        ("#tags column:x\na,b\n", "#tags column must be a column number from 1"),
        ("#colour:red\na,b\n", "unknown header line #colour:"),
        ("front,back,colour\na,b,c\n", "unknown column 'colour'"),
        ("", "no rows"),
        ("a,b,x" + "y" * 70 + " ok\n", "is longer than 64 characters"),
    ],
)
def test_header_and_row_problems(tmp_path: Path, text: str, message: str) -> None:
    (problem,) = problems_of(write(tmp_path, text))
    assert message in problem and problem.startswith(f"{tmp_path / 'facts.csv'}:")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"front,back\ncaf\xe9,coffee\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: file is not valid UTF-8")


def test_excel_unicode_text_is_read(tmp_path: Path) -> None:
    # Excel's "Unicode Text": tab-separated UTF-16 with a byte-order mark.
    path = tmp_path / "sheet.txt"
    path.write_bytes("front\tback\nKhrushchev's rival?\tБерия\n".encode("utf-16"))
    ((card,),) = [deck.cards for deck in load_csv(path)]
    assert (card.front, card.back) == ("Khrushchev's rival?", "Берия")
    path.write_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone surrogate
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:1: file is not valid UTF-16")


def test_html_reduced_to_text() -> None:
    assert html_to_text("<div>a &amp; <i>b</i></div><div>c<br/>d</div>") == "a & b\nc\nd"
    assert html_to_text('x<img src="evil.png" onerror="alert(1)">[sound:y.mp3]') == (
        "x[image][sound]"
    )
    assert html_to_text("<script>alert(1)</script>ok&nbsp;&lt;b&gt;") == "ok <b>"
    table = "<table><tr><th>Year</th><th>Fell</th></tr><tr><td>1953</td><td>Beria</td></tr></table>"
    assert html_to_text(table) == "Year Fell\n1953 Beria"


def test_reimport_matches_by_first_field_and_keeps_ids(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "front,back\nA?,1\nB?,2\nC?,3\n")
    import_paths(store, [path], T0)
    before = cards_on_disk(store)
    # Rows moved and one answer edited: matched by the first field, so the same rows update.
    write(tmp_path, "front,back\nC?,3\nA?,one\nB?,2\n")
    (changes,) = import_paths(store, [path], T0)
    assert (changes.added, changes.updated, changes.unchanged, changes.retired) == (0, 1, 2, 0)
    after = cards_on_disk(store)
    assert {key: row[0] for key, row in after.items()} == {
        key: row[0] for key, row in before.items()
    }
    assert sorted(row[2] for row in after.values()) == ["2", "3", "one"]


def test_reimport_matches_by_guid_when_first_field_changes(store: Store, tmp_path: Path) -> None:
    header = "#separator:Comma\n#guid column:1\n"
    path = write(tmp_path, header + "g1,Old question,answer\n")
    import_paths(store, [path], T0)
    (old_id,) = (row[0] for row in cards_on_disk(store).values())
    write(tmp_path, header + "g1,New question,answer\n")
    (changes,) = import_paths(store, [path], T0)
    assert changes.updated == 1
    assert [(row[0], row[1]) for row in cards_on_disk(store).values()] == [(old_id, "New question")]


def test_invalid_file_writes_nothing(store: Store, tmp_path: Path) -> None:
    good = write(tmp_path, "front,back\na,b\n", "good.csv")
    bad = write(tmp_path, "front,back\nc,\n", "bad.csv")
    with pytest.raises(DeckError):
        import_paths(store, [good, bad], T0)
    assert cards_on_disk(store) == {}


def test_same_deck_from_two_files_is_a_problem(store: Store, tmp_path: Path) -> None:
    one = write(tmp_path, "a,b\n", "one.csv")
    two = write(tmp_path, "c,d\n", "two.csv")
    with pytest.raises(DeckError) as caught:
        import_paths(store, [one, two], T0, deck_name="Same")
    assert "deck id 'same' is also used by" in caught.value.problems[0]


def test_format_option_and_unknown_extension(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n", "facts.dat")
    with pytest.raises(StalindeckError, match="cannot tell the format"):
        import_paths(store, [path], T0)
    (changes,) = import_paths(store, [path], T0, fmt="csv")
    assert changes.added == 1
    with pytest.raises(StalindeckError, match="unknown format 'xls'"):
        import_paths(store, [path], T0, fmt="xls")


def test_cli_import_csv_with_deck_option(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    path = write(tmp_path, "front,back\nCapital of France?,Paris\n")
    result = runner.invoke(
        app, ["--db", str(db), "import", str(path), "--deck", "Geo"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.stderr
    assert "geo (new deck)" in result.stdout
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT slug, name FROM decks").fetchall() == [("geo", "Geo")]
        assert connection.execute("SELECT front, back FROM cards").fetchall() == [
            ("Capital of France?", "Paris")
        ]
    bad = write(tmp_path, "front,back\nx,\n", "bad.csv")
    result = runner.invoke(app, ["--db", str(db), "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: the back (second field) is empty" in result.stderr


def test_real_anki_csv_export_imports(tmp_path: Path) -> None:
    """A file written by Anki's own "Notes in Plain Text" export."""
    from .test_apkg import anki_collection

    collection = anki_collection(tmp_path / "anki")
    out = tmp_path / "anki-notes.txt"
    collection.export_note_csv(
        out_path=str(out),
        limit=None,
        with_html=True,
        with_tags=True,
        with_deck=True,
        with_notetype=True,
        with_guid=True,
    )
    notes = {
        collection.get_note(nid).guid: collection.get_note(nid) for nid in collection.find_notes("")
    }
    collection.close()
    decks = load_csv(out)
    cards = [card for deck in decks for card in deck.cards]
    assert len(cards) == 6  # basic 1, reversed 2, cloze 2 (c1 twice is one card), typed 1
    fronts = {card.front for card in cards}
    assert "When was the Secret Speech?" in fronts
    assert {tuple(sorted(note.tags)) for note in notes.values()} >= {("9hi0::speech", "dates")}
    assert {deck.name for deck in decks} == {"History::Khrushchev", "History::Stalin"}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('ab,;\t"\n#:<>&{}[]c1 separtohml')), max_size=80))
def test_fuzzed_csv_gives_only_clean_errors(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text, "fuzz.csv")
    try:
        decks = load_csv(path)
    except DeckError as error:
        assert all(problem.startswith(f"{path}:") for problem in error.problems)
    else:
        assert all(deck.cards for deck in decks)


# -- the column-at-a-time reading of plain files ----------------------------------------------

_CELLS = st.sampled_from(
    ["", " ", "Beria", "Malenkov ", "25 February 1956", "51,439", "a\tb", 'say "hi"', "x,y",
     "line\nbreak", "<b>bold</b> &amp;", "{{c1::Beria}} was shot", "Anti-Party Group", "t1 t2",
     "t" * 70, "dup", "first\u2028second", "Word\x0bbreak", "win\r\ndows", "Basic", "Cloze",
     "Basic (and reversed card)", "History::Russia", "History::Russia"]
)  # fmt: skip
_HEADERS = st.sampled_from(
    ["", "#separator:comma\n", "#separator:tab\n#html:true\n#tags column:3\n",
     "#separator:comma\n#guid column:1\n#tags column:4\n", "#separator:comma\n#tags:deck-tag\n",
     "#separator:comma\n#notetype:Basic (and reversed card)\n", "front,back,tags\n",
     "Front,Back,Extra,Section\n", "front,back,text\n", "#separator:comma\n#deck column:3\n",
     "#separator:comma\n#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:5\n",
     "front,back,deck,notetype\n"]
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=_HEADERS,
    rows=st.lists(st.lists(_CELLS, min_size=1, max_size=5), min_size=1, max_size=6),
    deck_name=st.sampled_from([None, "Given"]),
)
def test_plain_files_read_a_column_at_a_time_give_the_same_cards_and_problems(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    header: str,
    rows: list[list[str]],
    deck_name: str | None,
) -> None:
    separator = "\t" if "separator:tab" in header else ","
    body = "".join(
        separator.join('"' + cell.replace('"', '""') + '"' for cell in row) + "\n" for row in rows
    )
    path = write(tmp_path, header + body, "same.csv")

    def read() -> tuple[list[DeckSpec], list[str]]:
        try:
            return load_csv(path, deck_name=deck_name), []
        except DeckError as error:
            return [], list(error.problems)

    by_columns = read()
    with monkeypatch.context() as patched:
        patched.setattr(csv_deck, "_uniform_cards", lambda *args: None)
        by_rows = read()
    assert by_columns == by_rows


def test_a_plain_spreadsheet_is_read_a_column_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast reading is the one used for the common files, not only a fallback that never
    runs (the test above would then compare the row-by-row reading with itself)."""
    used: list[bool] = []
    uniform = csv_deck._uniform_cards

    def spy(*args: object) -> object:
        cards = uniform(*args)  # type: ignore[arg-type]
        used.append(cards is not None)
        return cards

    monkeypatch.setattr(csv_deck, "_uniform_cards", spy)
    for text in (
        "front,back,tags\nWhen was the Secret Speech?,25 February 1956,speech\n",
        "#separator:tab\n#html:true\n#guid column:1\n#tags column:4\n"
        "g1\tPrisoners released, June 1956?\t<b>51,439</b>\tgulag\n",
        "Who was arrested in June 1953?,Beria\nWho resigned in 1955?,Malenkov,rivals\n",
    ):
        (deck,) = load_csv(write(tmp_path, text))
        assert deck.cards
    # Anki's "Notes in Plain Text" export, with its guid, note type and deck columns.
    export = write(
        tmp_path,
        "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n"
        "#tags column:6\n"
        "g1\tBasic\tHistory::Russia\tSecret Speech?\t25 February 1956\tspeech\n"
        "g2\tBasic\tHistory::Rivals\tArrested in June 1953?\tBeria\trivals\n"
        "g3\tBasic\tHistory::Russia\tPrisoners released, June 1956?\t51,439\tgulag\n",
        "export.txt",
    )
    russia, rivals = load_csv(export)
    assert used == [True, True, True, True]
    assert (russia.name, rivals.name) == ("History::Russia", "History::Rivals")
    assert [(card.back, card.position, card.line) for card in russia.cards] == [
        ("25 February 1956", 0, 7),
        ("51,439", 1, 9),
    ]
    monkeypatch.setattr(csv_deck, "_uniform_cards", lambda *args: None)
    assert load_csv(export) == [russia, rivals]


def test_a_value_past_the_header_row_is_reported_not_misread(tmp_path: Path) -> None:
    """An unquoted 51,439 splits at its comma: the 439 must not become a cloze, an extra
    line or anything else unseen."""
    path = write(
        tmp_path,
        "front,back\nWhen was the Secret Speech?,25 February 1956,\n"
        "Prisoners released in June 1956?,51,439\n",
    )
    assert problems_of(path) == [
        f"{path}:3: a value in column 3, past the header's 2 columns: put quotes around a cell "
        'that holds the separator ("51,439"), or name the column in the header'
    ]
    path.write_text('front,back\nPrisoners released in June 1956?,"51,439"\n', encoding="utf-8")
    (deck,) = load_csv(path)
    assert [(card.front, card.back, card.extra) for card in deck.cards] == [
        ("Prisoners released in June 1956?", "51,439", "")
    ]


def test_line_breaks_inside_cells_do_not_split_rows(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8": a byte-order mark, CRLF rows, a quoted cell over two lines; text
    pasted from Word or a web page: a manual line break (vertical tab) or U+2028 in a cell."""
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufefffront,back,tags\r\n"
        '"Who was\r\narrested in June 1953?",Beria,rivals\r\n'
        "Who became First Secretary\u2028in September 1953?,Khrushchev,rivals\r\n"
        'Who led the Anti-Party Group\x0bin 1957?,"Malenkov, Molotov, Kaganovich",rivals\r\n'
        "When was the Secret Speech?,25 February 1956,speech\r\n".encode()
    )
    (deck,) = load_csv(path)
    assert [(card.front, card.back, card.line) for card in deck.cards] == [
        ("Who was\narrested in June 1953?", "Beria", 2),
        ("Who became First Secretary\nin September 1953?", "Khrushchev", 4),
        ("Who led the Anti-Party Group\nin 1957?", "Malenkov, Molotov, Kaganovich", 5),
        ("When was the Secret Speech?", "25 February 1956", 6),
    ]


def test_a_semicolon_csv_from_a_decimal_comma_spreadsheet(tmp_path: Path) -> None:
    """Excel in French or German saves "CSV" with semicolons: the file is read as such."""
    path = write(
        tmp_path,
        "front;back;tags\nPrisoners released in June 1956?;51,439;gulag\n"
        "When was the Secret Speech?;25 February 1956;speech\n",
        "klasse.csv",
    )
    (deck,) = load_csv(path)
    assert [(card.front, card.back, card.tags) for card in deck.cards] == [
        ("Prisoners released in June 1956?", "51,439", ("gulag",)),
        ("When was the Secret Speech?", "25 February 1956", ("speech",)),
    ]


def test_question_and_answer_headers_name_front_and_back(tmp_path: Path) -> None:
    path = write(
        tmp_path, "Question,Answer,Tag\nWhen was the Secret Speech?,25 February 1956,speech\n"
    )
    (deck,) = load_csv(path)
    assert [(card.front, card.back, card.tags) for card in deck.cards] == [
        ("When was the Secret Speech?", "25 February 1956", ("speech",))
    ]


# -- quotes: what spreadsheets write, and what people type ------------------------------------


def test_an_unclosed_quote_is_reported_where_it_opens(store: Store, tmp_path: Path) -> None:
    """Read as CSV readers do, a quote never closed swallows the rest of the file into one
    cell: two rows became one card with no error, or "the back is empty" on the wrong row."""
    tsv = write(
        tmp_path,
        'front\tback\nGreeting?\t"Hello\tworld\nFarewell?\tTschüss\nThanks?\tDanke\n',
        "phrases.tsv",
    )
    fix = (
        'close it where the cell ends (a quote mark inside a quoted cell is written ""), or '
        "save the file again from the spreadsheet"
    )
    assert problems_of(tsv) == [
        f"{tsv}:2: a quote opened here is never closed (it would swallow the next 2 lines); {fix}"
    ]
    with pytest.raises(DeckError):
        import_paths(store, [tsv], T0)
    assert cards_on_disk(store) == {}
    # Closed by a quote further down that starts another cell: the lines between are one cell.
    csv_file = write(
        tmp_path,
        'front,back\n"Hello world,Greeting\nFarewell,Tschüss\nThanks,"Danke" (informal)\n'
        'Please,"Bitte\n',
    )
    assert problems_of(csv_file) == [
        f"{csv_file}:2: a quote opened here is not closed on its line (it would swallow the "
        f"next 2 lines, to a quote on line 4); {fix}",
        f"{csv_file}:5: a quote opened here is never closed; {fix}",
    ]


def test_a_quoted_cell_over_several_lines_is_still_one_cell(tmp_path: Path) -> None:
    """What spreadsheets and Anki write: a cell with a line break, a quote mark or the
    separator in quotes, quote marks doubled; spaces after the closing quote are ignored."""
    path = write(
        tmp_path,
        'front,back\n"Who wrote\n""State and Revolution""?",Lenin\n"In which year, exactly?"  ,'
        '"1917\n\n(August)"\nLast?,"yes"\n',
    )
    (deck,) = load_csv(path)
    assert [(card.front, card.back, card.line) for card in deck.cards] == [
        ('Who wrote\n"State and Revolution"?', "Lenin", 2),
        ("In which year, exactly?", "1917\n\n(August)", 4),
        ("Last?", "yes", 7),
    ]


def test_a_cell_starting_with_a_quoted_phrase_keeps_its_quotes(tmp_path: Path) -> None:
    """The csv module (as Anki's importer) drops the quote marks of a cell that starts with a
    quoted phrase; the cell is kept as typed, and still ends at the separator after them."""
    path = write(
        tmp_path,
        'front,back\n"Peace, Land and Bread" was whose slogan?,Lenin\n'
        '"Who wrote\nWhat Is to Be Done?",Lenin\n'
        'Who asked "Who whom?",Lenin\n',
    )
    (deck,) = load_csv(path)
    assert [(card.front, card.back, card.line) for card in deck.cards] == [
        ('"Peace, Land and Bread" was whose slogan?', "Lenin", 2),
        ("Who wrote\nWhat Is to Be Done?", "Lenin", 3),
        ('Who asked "Who whom?"', "Lenin", 5),
    ]
    tsv = write(tmp_path, '"All power to the Soviets" was whose slogan?\tLenin\n', "s.tsv")
    ((card,),) = [deck.cards for deck in load_csv(tsv)]
    assert card.front == '"All power to the Soviets" was whose slogan?'


_TEXT = st.text(alphabet=st.sampled_from(list('ab ,;\t"\r\n\u2028')), max_size=8)


@settings(max_examples=200)
@given(
    rows=st.lists(st.lists(_TEXT, min_size=1, max_size=4), min_size=1, max_size=5),
    separator=st.sampled_from([",", "\t", ";"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_what_spreadsheets_write_reads_back_the_same(
    rows: list[list[str]], separator: str, quoting: int
) -> None:
    """Any cells, written the way spreadsheets and Anki write them, read back unchanged and
    with no problem; read by hand (as a record the csv module refuses is), the same."""
    out = io.StringIO()
    csv.writer(out, delimiter=separator, quoting=quoting, lineterminator="\r\n").writerows(rows)
    body = io.StringIO(out.getvalue(), newline="").readlines()
    problems: list[str] = []
    found = csv_deck._records(Path("f.csv"), body, 0, separator, problems)
    assert problems == [] and found is not None
    assert [row for _, row in found[0]] == [row for row in rows if "".join(row).strip()]
    by_hand, at = [], 0
    while at < len(body):
        record = csv_deck._by_hand(body, at, separator)
        assert record.quote_at == -1
        by_hand.append(record.cells)
        at = record.after
    assert by_hand == rows


def test_every_unknown_column_in_one_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "Question,Answer,Topic,Source,Notes\nWho?,Lenin,a,b,c\n")
    assert problems_of(path) == [
        f"{path}:1: unknown columns 'topic', 'source' and 'notes'; columns are front (or "
        "question), back (or answer), tags, guid, deck, extra, section and text (for a cloze): "
        "rename or delete the others"
    ]


@pytest.mark.parametrize(
    ("header", "what"),
    [("tags", "tags"), ("deck", "deck names"), ("guid", "guids"), ("notetype", "note types")],
)
def test_a_special_column_past_the_rows_is_a_problem(
    tmp_path: Path, header: str, what: str
) -> None:
    path = write(tmp_path, f"#separator:comma\n#{header} column:9\nWho?,Lenin\nWhen?,1917\n")
    assert problems_of(path) == [
        f"{path}:2: #{header} column:9 is past the last column: the rows have 2 columns; give "
        f"the number of the column that holds the {what}, counting from 1"
    ]
    path.write_text("#separator:tab\n#tags column:4\nWho?\tLenin\nWhen?\t1917\tdates\n")
    (problem,) = problems_of(path)
    assert "#tags column:4 is past the last column: the rows have 2 to 3 columns" in problem


# Rows as in Anki's own test file (pylib/tests/support/text-2fields.txt): a comment first,
# tab-separated, five good rows and four with problems (written anew here, not copied).
TWO_FIELDS = (
    "# a comment line, as Anki's test file starts\n"
    "食べる\tto eat\n飲む\tto drink\nテスト\ttest\nto eat\t食べる\n"
    "飲む\tto drink\n多すぎる\ttoo many\tfields\nnot, enough, fields\n遊ぶ\t\n\tto play\n"
)


def test_a_comment_line_first_does_not_hide_the_tabs(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_FIELDS, "text-2fields.txt")
    with pytest.raises(DeckError) as caught:
        load_csv(path)
    assert [problem.split(": ", 1)[0].rsplit(":", 1)[1] for problem in caught.value.problems] == [
        "6", "8", "9", "10"
    ]  # fmt: skip
    assert "--skip-invalid" in str(caught.value)


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path, TWO_FIELDS, "text-2fields.txt")
    db = tmp_path / "s.db"
    refused = runner.invoke(app, ["--db", str(db), "import", str(path)])
    assert refused.exit_code == 1
    assert "nothing was imported" in refused.stderr and "--skip-invalid" in refused.stderr
    result = runner.invoke(
        app, ["--db", str(db), "import", str(path), "--skip-invalid"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.stderr
    assert "4 rows left out (--skip-invalid):" in result.stdout
    assert "text-2fields.txt:10: the front (first field) is empty" in result.stdout
    with sqlite3.connect(db) as connection:
        fronts = connection.execute(
            "SELECT front FROM cards JOIN decks ON decks.id = deck_id "
            "WHERE slug = 'text-2fields' ORDER BY position"
        ).fetchall()
    assert [front for (front,) in fronts] == ["食べる", "飲む", "テスト", "to eat", "多すぎる"]
