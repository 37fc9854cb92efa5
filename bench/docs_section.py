"""Shared by the benchmarks: replace one script's section of docs/benchmarks.md, leave the rest."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
INTRO = "# Benchmarks\n\nFigures measured by the scripts under `bench/`, newest run of each.\n"


def replace_section(heading: str, section: str) -> None:
    """Put ``section`` (which starts with ``heading``) in place of the old one, or append it."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    if not text.strip():
        text = INTRO
    pattern = re.compile(rf"^{re.escape(heading)}[^\n]*\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text, encoding="utf-8")
