"""`stalindeck class` and `export class`: every profile at once, agreeing with each student's
own `stats --json` to the last digit."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import bring_in_bundled
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.settings import load_settings
from stalindeck.store.open import open_store

from .conftest import T0, FakeClock

runner = CliRunner()
NOW = T0 + timedelta(days=12)


def invoke(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], env={"COLUMNS": "120", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def study(db: Path | str, profile: str, days: int, per_day: int, seed: int) -> None:
    """`profile` reviews up to `per_day` cards a day for `days` days up to NOW, grading at
    random (fixed seed), with that profile's own settings."""
    rng = random.Random(seed)
    store = open_store(str(db), profile)
    try:
        settings = load_settings(store)
        clock = FakeClock(NOW - timedelta(days=days))
        for _day in range(days):
            session = ReviewSession(
                store,
                clock=clock,
                limits=settings.limits(),
                settings=settings.scheduler(enable_fuzzing=False),
                card_limit=per_day,
            )
            while session.next_card() is not None:
                session.answer(rng.choice((1, 2, 3, 3, 3, 4)), 4000)
                clock.advance(seconds=20)
            clock.advance(days=1)
    finally:
        store.close()


@pytest.fixture
def school(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with a teacher (default) and four students: s1 starts the day at midnight,
    s2 has an exam date, s3 has done nothing, `Ana` studies a little."""
    store = open_store(str(db_path))
    bring_in_bundled(store, T0 - timedelta(days=30))
    store.close()
    monkeypatch.setattr("stalindeck.clock.utc_now", lambda: NOW)
    assert invoke(db_path, "--profile", "s1", "settings", "rollover_hour", "0")[0] == 0
    assert invoke(db_path, "--profile", "s2", "settings", "exam_date", "2026-05-01")[0] == 0
    assert invoke(db_path, "--profile", "s3", "status")[0] == 0
    study(db_path, "s1", 10, 25, 1)
    study(db_path, "s2", 6, 15, 2)
    study(db_path, "Ana", 3, 8, 3)
    return db_path


def stats_json(db: Path, profile: str, *extra: str) -> dict[str, Any]:
    code, out, err = invoke(db, "stats", "--profile", profile, "--json", *extra)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_class_agrees_with_each_students_stats_to_the_last_digit(school: Path) -> None:
    code, out, err = invoke(school, "class", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["schema"] == 1
    names = [row["profile"] for row in data["profiles"]]
    assert sorted(names) == ["Ana", "s1", "s2", "s3"]  # the teacher (default) left out
    for row in data["profiles"]:
        mine = stats_json(school, row["profile"])
        today = date_of(mine["calendar"]["last"])
        last_week = [
            day for day in mine["calendar"]["days"] if (today - date_of(day["date"])).days < 7
        ]
        assert row["reviews_7d"] == sum(day["reviews"] for day in last_week)
        assert row["days_studied_7d"] == len(last_week)
        assert row["current_streak"] == mine["calendar"]["current_streak"]
        assert row["due_now"] == mine["today"]["due_now"]
        assert row["seen"] == mine["memory"]["seen"]
        assert row["cards"] == mine["cards"]["total"]
        assert row["mastery"] == mine["memory"]["knowledge"] / mine["cards"]["total"]
        assert row["topics"] == mine["topics"]  # every float, digit for digit
        exam = mine["exam"]
        assert row["exam_recall"] == (None if exam is None else exam["recall_if_stopped"])
        assert row["reviews"] == mine["calendar"]["total_reviews"]  # all within the year
    by_name = {row["profile"]: row for row in data["profiles"]}
    assert by_name["s3"]["reviews"] == 0 and by_name["s3"]["last_review"] is None
    assert by_name["s1"]["reviews"] > by_name["s2"]["reviews"] > 0
    assert by_name["s2"]["exam_date"] == "2026-05-01" and by_name["s2"]["exam_recall"] > 0
    # Who needs help first: lowest mastery first.
    masteries = [row["mastery"] for row in data["profiles"]]
    assert masteries == sorted(masteries)
    assert names[0] == "s3"
    # The class's topics: the mean of the students' mastery, weakest first.
    for topic in data["topics"]:
        own = [
            t["mastery"]
            for row in data["profiles"]
            for t in row["topics"]
            if t["tag"] == topic["tag"]
        ]
        assert topic["students"] == len(own) == 4
        assert topic["mastery"] == pytest.approx(sum(own) / len(own), abs=1e-15)
        assert topic["weakest"][0]["mastery"] == min(own)
        assert len(topic["weakest"]) == 3
    assert [t["mastery"] for t in data["topics"]] == sorted(t["mastery"] for t in data["topics"])
    assert data["hardest"] and data["hardest"][0]["lapses"] >= data["hardest"][-1]["lapses"] > 0


def test_class_scope_agrees_too(school: Path) -> None:
    code, out, err = invoke(school, "class", "--tag", "khrushchev", "--json")
    assert code == 0, err
    for row in json.loads(out)["profiles"]:
        mine = stats_json(school, row["profile"], "--tag", "khrushchev")
        assert row["topics"] == mine["topics"]
        assert row["due_now"] == mine["today"]["due_now"]
        assert row["cards"] == mine["cards"]["total"]


def date_of(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


def test_class_screen(school: Path) -> None:
    code, out, err = invoke(school, "class")
    assert code == 0, err
    assert "4 students" in out
    assert "Topics, weakest first" in out and "Hardest cards for the class" in out
    lines = [
        line for line in out.splitlines() if line.strip().startswith(("s1", "s2", "s3", "Ana"))
    ]
    assert lines[0].strip().startswith("s3")


def test_unknown_deck_is_one_line(school: Path) -> None:
    code, _out, err = invoke(school, "class", "no-such-deck")
    assert code == 1 and err.count("\n") == 1 and "no-such-deck" in err


def test_export_class_csv_is_a_safe_spreadsheet(school: Path, tmp_path: Path) -> None:
    # A student whose name a spreadsheet would run as a formula.
    assert invoke(school, "--profile", "=HYPERLINK(1)", "status")[0] == 0
    target = tmp_path / "class.csv"
    code, _out, err = invoke(school, "export", "class", "-o", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 5
    assert "'=HYPERLINK(1)" in {row["profile"] for row in rows}
    code, out, _err = invoke(school, "class", "--json")
    first = json.loads(out)["profiles"][1]  # [0] is the new, empty =HYPERLINK(1)
    assert rows[1]["profile"] == first["profile"]
    assert float(rows[1]["mastery"]) == first["mastery"]
    topic_columns = [name for name in rows[0] if name.startswith("mastery:")]
    assert topic_columns and all(name[len("mastery:") :] for name in topic_columns)
    # Not overwritten without --force, and nothing half-written.
    code, _out, err = invoke(school, "export", "class", "-o", str(target))
    assert code == 1 and "--force" in err


def test_export_class_json_is_the_class_object(school: Path) -> None:
    code, out, err = invoke(school, "export", "class", "--format", "json")
    assert code == 0, err
    exported = json.loads(out)
    code, out, _err = invoke(school, "class", "--json")
    assert exported == json.loads(out)


def test_export_class_html_needs_nothing_from_the_network(school: Path, tmp_path: Path) -> None:
    assert invoke(school, "--profile", "<script>alert(1)</script>", "status")[0] == 0
    target = tmp_path / "class.html"
    code, _out, err = invoke(school, "export", "class", "--format", "html", "-o", str(target))
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "default-src 'none'" in page
    assert page.count("<svg") == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (apt-get install chromium)")
def test_the_html_report_renders_in_a_real_browser(school: Path, tmp_path: Path) -> None:
    """Chromium lays the page out: the students' table is there, with one bar per student,
    each as long as that student's mastery; and the screenshot has coloured bars in it."""
    target = tmp_path / "class.html"
    assert invoke(school, "export", "class", "--format", "html", "-o", str(target))[0] == 0
    flags = [
        CHROMIUM or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [*flags, "--dump-dom", target.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    assert dom.count('class="bar"') == 4 + len(
        json.loads(invoke(school, "class", "--json")[1])["topics"]
    )
    assert dom.count("<tr>") >= 4
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1000,800", target.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    colours = png_colours(shot)
    assert (0xC0, 0x39, 0x2B) in colours or (0xE6, 0x7E, 0x22) in colours  # the bars drew


def png_colours(path: Path) -> set[tuple[int, int, int]]:
    """The RGB colours of a PNG (8-bit RGB or RGBA, as Chromium writes), read with zlib."""
    import struct
    import zlib

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, width, height, kind = 8, b"", 0, 0, 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        name = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if name == b"IHDR":
            width, height, _depth, kind = struct.unpack(">IIBB", body[:10])
        elif name == b"IDAT":
            idat += body
        offset += 12 + length
    channels = 4 if kind == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours: set[tuple[int, int, int]] = set()
    position = 0
    for _row in range(height):
        kind_of_filter = raw[position]
        line = bytearray(raw[position + 1 : position + 1 + stride])
        position += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind_of_filter == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind_of_filter == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind_of_filter == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind_of_filter == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        for i in range(0, stride, channels):
            colours.add((line[i], line[i + 1], line[i + 2]))
        previous = line
    return colours
