"""English is available for every screen (Chinese first, English through i18n):
every message has a translation, and the compiled catalog matches it."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def po_entries() -> dict[tuple[str | None, str], str]:
    """(context or None, msgid) → msgstr of every singular entry."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    join = lambda part: "".join(re.findall(r'"(.*)"', part))  # noqa: E731
    for block in text.split("\n\n"):
        if "#, fuzzy" in block:
            entries[(None, f"FUZZY {block}")] = ""
        ids = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if ids:
            context = re.search(r'^msgctxt ((?:".*"\n?)+)', block, re.M)
            entries[(join(context.group(1)) if context else None, join(ids.group(1)))] = join(ids.group(2))
    entries.pop((None, ""), None)
    return entries


def test_every_message_is_translated():
    missing = [msgid for msgid, msgstr in po_entries().items() if not msgstr]
    assert missing == [], "untranslated or fuzzy (run makemessages, translate, compilemessages)"


def test_the_compiled_catalog_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for (context, msgid), msgstr in po_entries().items():
        expected = msgstr.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        source = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        found = compiled.pgettext(context, source) if context else compiled.gettext(source)
        assert found == expected, (context, source)
