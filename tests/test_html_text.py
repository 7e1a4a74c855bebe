"""An Anki field's HTML on the terminal: its formatting kept, nothing in it interpreted."""

from __future__ import annotations

import io

from rich.console import Console

from stalindeck.ui.html_text import html_to_rich


def _styles(field: str) -> dict[str, str]:
    """Each styled stretch of the rendered field and its style."""
    text = html_to_rich(field)
    return {text.plain[span.start : span.end]: str(span.style) for span in text.spans}


def test_bold_italics_and_the_like_are_kept() -> None:
    text = html_to_rich("Who led the <b>NKVD</b> in <i>1938</i>? <u>Not</u> <s>Yagoda</s>")
    assert text.plain == "Who led the NKVD in 1938? Not Yagoda"
    assert _styles("Who led the <b>NKVD</b> in <i>1938</i>? <u>Not</u> <s>Yagoda</s>") == {
        "NKVD": "bold",
        "1938": "italic",
        "Not": "underline",
        "Yagoda": "strike",
    }
    assert _styles("<b>left open") == {"left open": "bold"}


def test_line_breaks_lists_tables_and_media() -> None:
    assert html_to_rich("Yezhov<br>then <div>Beria</div>after").plain == (
        "Yezhov\nthen\nBeria\nafter"
    )
    assert html_to_rich("<ul><li>June</li><li>December</li></ul>").plain == "• June\n• December"
    assert html_to_rich("<ol><li>a<ul><li>x</li></ul></li><li>b</li></ol>").plain == (
        "1. a\n  • x\n2. b"
    )
    table = "<table><tr><td>1937</td><td>Yezhov</td></tr><tr><td>1939</td><td>Beria</td></tr>"
    assert html_to_rich(table).plain == "1937  Yezhov\n1939  Beria"
    assert html_to_rich('Beria<img src="beria.png"> [sound:speech.mp3]').plain == (
        "Beria [image: beria.png] [sound: speech.mp3]"
    )
    assert html_to_rich("a<script>alert(1)</script><style>b{}</style>").plain == "a"


def test_data_is_never_markup_nor_an_escape() -> None:
    field = "[bold red]x[/bold red] &lt;b&gt;no&lt;/b&gt; \x1b[2J\x1b]0;title\x07 \u202eevil"
    text = html_to_rich(field)
    assert text.plain == "[bold red]x[/bold red] <b>no</b> [2J]0;title evil"
    assert text.spans == []
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="standard").print(text)
    assert "[bold red]x[/bold red]" in out.getvalue()
    assert "\x1b[2J" not in out.getvalue() and "\x07" not in out.getvalue()
