"""Compile itsmctl/locale/*/LC_MESSAGES/itsmctl.po into the .mo files gettext reads.

Usage: python scripts/compile_catalogs.py [--check]
--check exits 1 when a committed .mo differs from its .po (the test suite runs it).
The .po parser and .mo writer follow CPython's Tools/i18n/msgfmt.py (stdlib only);
plural forms and contexts are not used by itsmctl and are refused.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "itsmctl" / "locale"


def parse_po(text: str, where: str = "po") -> dict[str, str]:
    """msgid -> msgstr; fuzzy and untranslated entries are left out."""
    messages: dict[str, str] = {}
    section, msgid, msgstr = None, "", ""
    fuzzy = pending_fuzzy = False

    def flush() -> None:
        if section == "msgstr" and not fuzzy and (msgstr or not msgid):
            messages[msgid] = msgstr

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            pending_fuzzy = pending_fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        if not line:
            continue
        if line.startswith(("msgctxt", "msgid_plural", "msgstr[")):
            raise ValueError(f"{where}:{number}: contexts and plurals are not supported")
        if line.startswith("msgid "):
            flush()
            section, msgid, msgstr, line = "msgid", "", "", line[6:]
            fuzzy, pending_fuzzy = pending_fuzzy, False
        elif line.startswith("msgstr "):
            section, line = "msgstr", line[7:]
        if not line.startswith('"') or section is None:
            raise ValueError(f"{where}:{number}: expected a quoted string in an entry")
        value = ast.literal_eval(line)
        if section == "msgid":
            msgid += value
        else:
            msgstr += value
    flush()
    return messages


def mo_bytes(messages: dict[str, str]) -> bytes:
    """The GNU .mo file of these messages (keys sorted, as msgfmt writes them)."""
    keys = sorted(messages)
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        k, v = key.encode("utf-8"), messages[key].encode("utf-8")
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\0"
        strs += v + b"\0"
    start_keys = 7 * 4 + 16 * len(keys)
    start_values = start_keys + len(ids)
    koffsets, voffsets = [], []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + start_keys]
        voffsets += [l2, o2 + start_values]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4,
                         7 * 4 + len(keys) * 8, 0, 0)
    return (header + struct.pack(f"{len(koffsets)}i", *koffsets)
            + struct.pack(f"{len(voffsets)}i", *voffsets) + ids + strs)


def catalogs() -> list[tuple[Path, Path]]:
    return [(po, po.with_suffix(".mo")) for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for po, mo in catalogs():
        data = mo_bytes(parse_po(po.read_text(encoding="utf-8"), str(po)))
        if check:
            if not mo.is_file() or mo.read_bytes() != data:
                stale.append(mo)
        else:
            mo.write_bytes(data)
            print(f"wrote {mo.relative_to(LOCALE.parents[1])}")
    for mo in stale:
        print(f"{mo} is stale: run python scripts/compile_catalogs.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
