"""English is available for every screen (Chinese first, English through i18n):
every message has a translation, and the compiled catalog matches it."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block:
            entries[f"FUZZY {block}"] = ""
        ids = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if ids:
            join = lambda part: "".join(re.findall(r'"(.*)"', part))  # noqa: E731
            entries[join(ids.group(1))] = join(ids.group(2))
    entries.pop("", None)
    return entries


def test_every_message_is_translated():
    missing = [msgid for msgid, msgstr in po_entries().items() if not msgstr]
    assert missing == [], "untranslated or fuzzy (run makemessages, translate, compilemessages)"


def test_the_compiled_catalog_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, msgstr in po_entries().items():
        expected = msgstr.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        source = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        assert compiled.gettext(source) == expected, source
