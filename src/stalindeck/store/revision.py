"""The schema revision this code expects, kept apart so checking it imports nothing heavy."""

# The newest revision in migrations/versions; a test keeps the two in step.
HEAD_REVISION = "0008"
