"""Check, with GNU gettext, that every string a person reads is in the Simplified Chinese
catalogue and translated: `make i18n-check` (CI runs it).

It extracts the strings from the code as `make messages` would, compares them with the
committed catalogue, then puts the catalogue back as it was.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> int:
    for tool in ("xgettext", "msgmerge", "msgfmt"):
        if shutil.which(tool) is None:
            print(f"i18n-check needs GNU gettext ({tool} is missing).", file=sys.stderr)
            return 2
    committed = CATALOGUE.read_bytes()
    try:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "--locale",
                "zh_Hans",
                "--no-obsolete",
                "--add-location",
                "file",
                "-v0",
            ],
            cwd=ROOT,
            check=True,
        )
        extracted = polib.pofile(str(CATALOGUE))
    finally:
        CATALOGUE.write_bytes(committed)
    before = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    problems = []
    for entry in extracted:
        key = (entry.msgctxt, entry.msgid)
        if key not in before:
            problems.append(f"not in the catalogue: {entry.msgid!r}")
        elif "fuzzy" in entry.flags or not entry.translated():
            problems.append(f"not translated: {entry.msgid!r}")
    now = {(e.msgctxt, e.msgid) for e in extracted}
    problems += [f"no longer used: {msgid!r}" for ctx, msgid in sorted(before - now, key=str)]
    check = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
    )
    if check.returncode:
        problems.append(check.stderr.strip())
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Run `make messages`, translate, and commit the catalogue.", file=sys.stderr)
        return 1
    print(f"i18n-check: {len(extracted)} strings, all translated into Simplified Chinese.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
