"""A card's media (the images and sounds its Anki note shows) opened in the system viewer.

The files live in the store; to be opened they are copied into a private folder (readable by
the user only) under the system's temporary folder, each under its own Anki name, which the
import checked to be a plain file name. The viewer is ``$STALINDECK_VIEWER`` when set (a
command, split like a shell would; the file is its last argument), else the desktop's opener
(``xdg-open``, ``open`` on macOS). It is started on its own, its output discarded, and is not
waited for.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from stalindeck.decks.anki_package import media_name_problem
from stalindeck.errors import StalindeckError
from stalindeck.store import interop_queries
from stalindeck.store.open import Store


def card_media(store: Store, card_id: int) -> list[str]:
    """The names of the media files the card shows that the store holds."""
    return [name for name, size in interop_queries.card_media(store, card_id) if size is not None]


def viewer_command() -> list[str]:
    """The command that opens a file: ``$STALINDECK_VIEWER``, else the desktop's opener.

    Raises:
        StalindeckError: no viewer is set and none is installed.
    """
    configured = os.environ.get("STALINDECK_VIEWER", "").strip()
    if configured:
        return shlex.split(configured)
    for opener in ("open",) if sys.platform == "darwin" else ("xdg-open", "open"):
        found = shutil.which(opener)
        if found:
            return [found]
    raise StalindeckError(
        "no program to open media with: set STALINDECK_VIEWER to one (e.g. 'feh' or 'mpv')"
    )


def open_card_media(store: Store, card_id: int) -> list[str]:
    """Open each media file of the card in the viewer; the names opened.

    Raises:
        StalindeckError: no viewer, or it cannot be started.
    """
    names = card_media(store, card_id)
    if not names:
        return []
    command = viewer_command()
    files = interop_queries.media_files(store, names)
    user = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"stalindeck-media-{user}"
    folder.mkdir(mode=0o700, exist_ok=True)
    # Another user's folder (or a link) in the shared temporary folder is a trap, not ours.
    if folder.is_symlink() or (hasattr(os, "getuid") and folder.stat().st_uid != user):
        raise StalindeckError(f"{folder} is not this user's own folder; remove it and try again")
    opened: list[str] = []
    for name in names:
        if media_name_problem(name) or name not in files:
            continue
        target = folder / name
        target.write_bytes(files[name])
        try:
            subprocess.Popen(
                [*command, str(target)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as error:
            raise StalindeckError(
                f"cannot start the viewer {command[0]!r}: {error.strerror or error}; "
                "set STALINDECK_VIEWER to one that works"
            ) from error
        opened.append(name)
    return opened
