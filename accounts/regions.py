"""Division codes (统计用区划代码): 12 digits whose prefixes are the ancestors.

province 2 digits · city 4 · county 6 · township 9 · village 12; the rest is
zero-padded, e.g. township 420102003000 has the prefix 420102003. A region's
subtree is every code that starts with its prefix, so scoping is one indexed
`startswith` and needs no join.
"""

import re

CODE_RE = re.compile(r"^\d{12}$")

# level -> number of significant digits
PREFIX_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def is_valid_code(code: str) -> bool:
    return bool(CODE_RE.match(code or "")) and code[:2] != "00"


def level_of(code: str) -> int:
    """The level (1 province … 5 village) a well-formed code stands for."""
    for level in (1, 2, 3, 4):
        if code[PREFIX_LENGTHS[level]:].strip("0") == "":
            return level
    return 5


def prefix_of(code: str) -> str:
    """The significant prefix shared by the region and everything under it."""
    return code[: PREFIX_LENGTHS[level_of(code)]]


def ancestor_codes(code: str) -> list[str]:
    """Codes of the regions above this one, province first."""
    return [code[:length].ljust(12, "0") for level, length in PREFIX_LENGTHS.items() if level < level_of(code)]
