"""Fill English translations into govhall/locale/en/LC_MESSAGES/django.po
from a JSON file of {msgid: msgstr}, clearing the fuzzy flags of those
entries; then run compilemessages. A developer tool (see CONTRIBUTING.md).

    python scripts/po_fill.py translations.json
"""

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "govhall" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def fill(translations: dict[str, str]) -> None:
    text = PO.read_text(encoding="utf-8")
    for msgid, msgstr in translations.items():
        pattern = re.compile(r'(#, fuzzy(, [a-z-]+-format)?\n(?:#\|[^\n]*\n)*)?(msgid "' + re.escape(msgid) + r'"\nmsgstr )"[^\n]*"')

        def replace(match):
            flag = f"#{match.group(2)[1:]}\n" if match.group(2) else ""
            return flag + match.group(3) + json.dumps(msgstr, ensure_ascii=False)

        text, count = pattern.subn(replace, text)
        if count != 1:
            sys.exit(f"msgid not found exactly once: {msgid!r} ({count})")
    PO.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    fill(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
