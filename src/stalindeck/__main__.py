"""`python -m stalindeck` and the `stalindeck` command."""

from stalindeck.bulk import pause_collector


def main() -> None:
    """The console entry point: `stalindeck.cli.main`, with the cycle collector paused before
    the command line's modules are imported (typer and every command's module)."""
    pause_collector()
    from stalindeck.cli import main as run

    run()


if __name__ == "__main__":
    main()
