"""Compile every .po catalogue under sanxian/locale into its .mo file.

Uses polib, so no system gettext is needed on a fresh machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "sanxian" / "locale"


def main() -> int:
    count = 0
    for po_path in sorted(ROOT.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    print(f"compiled {count} translation catalogue(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
