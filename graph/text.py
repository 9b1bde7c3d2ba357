"""Label keys: how two spellings of one label are recognised as the same.

People type labels with `'` where ESCO has `’`, `-` for `‐`, a plain space for a no-break
space, decomposed accents, doubled spaces and other case. Every label lookup (people's
skills, taxonomy search and find-by-label, steward edits, aliases) compares `label_key`s.
"""

from __future__ import annotations

import re
import unicodedata

# Typographic characters NFKC leaves alone, folded to what a keyboard types.
_FOLD = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark (ESCO's apostrophe)
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u00b4": "'",  # acute accent used as an apostrophe
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u00ad": None,  # soft hyphen: invisible, dropped
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,  # BOM / zero-width no-break space
    }
)
_SPACES = re.compile(r"\s+")


def label_key(text: str) -> str:
    """The comparison key of a label: NFKC, typographic quotes and dashes folded, invisible
    characters dropped, runs of whitespace (no-break spaces included) collapsed to one space,
    trimmed and case-folded. `label_key("Prepare  canape\u0301s") == label_key("prepare canapés")`.
    """
    # folded before NFKC too: NFKC turns the acute accent (used as an apostrophe) into a space
    # and a combining accent, which the table would no longer see
    text = unicodedata.normalize("NFKC", text.translate(_FOLD)).translate(_FOLD)
    return _SPACES.sub(" ", text).strip().casefold()
