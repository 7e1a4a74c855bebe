"""Rich rendering: the review screen, tables, and safe text for untrusted strings."""
