"""Moving progress in and out: review history from Anki packages, decks out as .apkg or TOML."""
