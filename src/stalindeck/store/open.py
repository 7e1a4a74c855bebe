"""Opening a store: find it, connect, bring the schema to head, pick the profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, insert, literal, select
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)

from stalindeck.clock import utc_now
from stalindeck.errors import DamagedStoreError, StoreError
from stalindeck.store.engine import make_engine, resolve_url, sqlite_path, writing
from stalindeck.store.location import shown_url
from stalindeck.store.migrate import ensure_schema
from stalindeck.store.models import (
    DEFAULT_PROFILE_NAME,
    NEW,
    PROFILE_NAME_LENGTH,
    Card,
    CardState,
    Profile,
)


@dataclass(frozen=True, slots=True)
class Store:
    """An open store and the profile whose reviews and states we read and write.

    Attributes:
        engine: the SQLAlchemy engine.
        url: where the store is, as a URL.
        path: the SQLite file, or None for another database.
        profile_id: the current profile.
    """

    engine: Engine
    url: str
    path: Path | None
    profile_id: int

    @property
    def backup_dir(self) -> Path | None:
        """Backups live beside the store file."""
        return None if self.path is None else self.path.parent / "backups"

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()


# What to install for a database driver SQLAlchemy could not import, where the package on PyPI
# is not named as the module is.
_DRIVER_PACKAGES = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary"}


def open_store(db: str | None = None, profile: str = DEFAULT_PROFILE_NAME) -> Store:
    """Open (creating or upgrading as needed) the store named by `db`.

    Args:
        db: a file path or SQLAlchemy URL; None means ``$STALINDECK_DB`` or the default file.
        profile: the profile to work as; created, with its card states, if new.

    Raises:
        StoreError: the store cannot be opened, is damaged, or is from a newer version.
    """
    url = resolve_url(db)
    shown = shown_url(url)
    try:
        path = sqlite_path(url)
        if path is not None:
            from stalindeck.store.backup import check_header

            check_header(path)
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError) as error:
        raise StoreError(
            f"--db {shown!r} is not a store URL stalindeck can open: {shown_url(str(error))}"
        ) from error
    except ModuleNotFoundError as error:
        package = _DRIVER_PACKAGES.get(error.name or "", error.name)
        raise StoreError(
            f"--db {shown!r} needs the Python package {package!r}; install it "
            f"(pip install '{package}') or use a SQLite file"
        ) from error
    try:
        ensure_schema(engine, None if path is None else path.parent / "backups")
        profile_id = _profile_id(engine, profile)
    except StoreError:
        engine.dispose()
        raise
    except (OperationalError, IntegrityError, DataError) as error:
        # Locked, unreachable, read-only, or a value refused: not damage (a backup would not
        # help), unless SQLite says so.
        engine.dispose()
        if isinstance(error, OperationalError):
            from stalindeck.store.safety import translate

            translated = translate(error, str(path or shown))
            if isinstance(translated, DamagedStoreError):
                from stalindeck.store.backup import restore_hint

                raise DamagedStoreError(
                    f"{translated}; {restore_hint(path)}", path, hinted=True
                ) from error
            if translated is not None:
                raise translated from error
        reason = " ".join(str(error.orig).split())  # a server's message may span lines
        raise StoreError(f"cannot open the store at {path or shown}: {reason}") from error
    except DatabaseError as error:
        engine.dispose()
        from stalindeck.store.backup import restore_hint

        raise DamagedStoreError(
            f"the store at {path or shown} is damaged or not a stalindeck store ({error.orig}); "
            + restore_hint(path),
            path,
            hinted=True,
        ) from error
    return Store(engine=engine, url=url, path=path, profile_id=profile_id)


def _profile_id(engine: Engine, name: str) -> int:
    with engine.connect() as connection:
        known = {
            str(row[1]): int(row[0]) for row in connection.execute(select(Profile.id, Profile.name))
        }
    if name in known:
        return known[name]
    if (
        not name.strip()
        or name != name.strip()
        or len(name) > PROFILE_NAME_LENGTH
        or not name.isprintable()
    ):
        raise StoreError(
            f"--profile {name!r} cannot name a profile: use 1 to {PROFILE_NAME_LENGTH} "
            "printable characters, not starting or ending with a space, e.g. --profile alice"
        )
    alike = [other for other in known if other.casefold() == name.casefold()]
    if alike:  # a slip of the shift key would start a second, empty profile
        raise StoreError(
            f"--profile {name!r}: there is a profile {alike[0]!r}, a name differing only in "
            f"capitals; use --profile {alike[0]} (`stalindeck profiles` lists them)"
        )
    with writing(engine) as connection:
        # Another process may have made it since we looked: `writing` waited for its commit.
        found = connection.execute(select(Profile.id).where(Profile.name == name)).scalar()
        if found is not None:
            return int(found)
        # Made while holding the write lock, the profile sees every card committed before it,
        # and an import that follows sees the profile.
        profile_id = connection.execute(
            insert(Profile).values(name=name, created_at=utc_now()).returning(Profile.id)
        ).scalar_one()
        # A new profile starts with every card new.
        connection.execute(
            insert(CardState).from_select(
                ["profile_id", "card_id", "state", "reps", "lapses", "suspended"],
                select(
                    literal(profile_id),
                    Card.id,
                    literal(NEW),
                    literal(0),
                    literal(0),
                    literal(False),
                ),
            )
        )
    return int(profile_id)


class ProfileRow(NamedTuple):
    """A profile of the store, with how much it has reviewed."""

    name: str
    created_at: datetime
    reviews: int
    last_review: datetime | None


def list_profiles(store: Store) -> list[ProfileRow]:
    """Every profile of the store, by name, with its review count and last review."""
    from sqlalchemy import func

    from stalindeck.store.engine import reading
    from stalindeck.store.models import Review

    per_profile = (
        select(
            Review.profile_id,
            func.count().label("reviews"),
            func.max(Review.reviewed_at).label("last"),
        )
        .group_by(Review.profile_id)
        .subquery()
    )
    query = (
        select(Profile.name, Profile.created_at, per_profile.c.reviews, per_profile.c.last)
        .outerjoin(per_profile, per_profile.c.profile_id == Profile.id)
        .order_by(func.lower(Profile.name), Profile.name)
    )
    with reading(store.engine) as connection:
        return [
            ProfileRow(name, created, int(reviews or 0), last)
            for name, created, reviews, last in connection.execute(query)
        ]
