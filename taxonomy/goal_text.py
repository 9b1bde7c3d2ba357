"""Goal text as employees write it -> what the mapper searches for (pure functions, no model).

Steps, each a small function with its own tests:

1. `check_text`: refuse what cannot be a goal (not a string, empty, whitespace-only, over
   2,000 characters, control or binary characters, no letter at all: emoji-only,
   punctuation-only) with `InvalidInput` naming the field, what was found and what is expected.
2. `analyse`: Unicode NFKC, one space between words; the query's language (en/de/es/fr) from
   its function words; the *core*: the text without goal boilerplate ("I want to get better
   at", "improve my", "skills", "quiero mejorar mis", "je veux apprendre à", ...); the
   *parts* of a goal that names several skills (after rewriting a few misleading idioms:
   "hold the room" -> "presenting", "Excel" -> "spreadsheets") ("project management and people
   management" -> two parts); and whether it is *vague* (nothing but generic words left:
   "get better at my job").
3. `lex_tokens`: word tokens for lexical search: casefolded, accents folded, crudely stemmed,
   irregular forms lemmatised ("written" -> "write"). A word that the taxonomy uses both as
   a proper noun and as a common word ("Polish" the language, "polish" the verb; see
   `taxonomy.lexical`) keeps its sense as a separate token `^polish` when written with a
   capital inside the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from graph.errors import InvalidInput

MAX_TEXT_CHARS = 2000

# --- 1. what can be mapped --------------------------------------------------------------------

# C0/C1 controls other than tab/newline/CR, DEL, NUL, lone surrogates, the replacement
# character U+FFFD (what a decoder writes for undecodable bytes) and private-use code points.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
_ALLOWED_CONTROLS = frozenset("\t\n\r")
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) make text
# display in another order than it is stored ("Trojan Source", CVE-2021-42574): a goal
# shown to a mentor must read as it was written. The marks U+200E/U+200F stay allowed.
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def check_text(text: object, what: str = "goal text") -> str:
    """The text stripped, or InvalidInput saying which field (`what`) is wrong and why.

    Refused: a non-string; empty or whitespace-only; longer than MAX_TEXT_CHARS characters
    (after stripping); any control, unassigned, surrogate, private-use or U+FFFD character
    (binary data pasted as text) or bidirectional override/isolate; no letter in any
    script (emoji, digits, punctuation only).
    """
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be a string, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise InvalidInput(f"{what} is empty; say in a few words what you want to learn")
    if len(stripped) > MAX_TEXT_CHARS:
        raise InvalidInput(
            f"{what} is {len(stripped)} characters long; at most {MAX_TEXT_CHARS} can be mapped"
        )
    for pos, ch in enumerate(stripped):
        if ch == "\ufffd" or (
            unicodedata.category(ch) in _CONTROL_CATEGORIES and ch not in _ALLOWED_CONTROLS
        ):
            raise InvalidInput(
                f"{what} has a control or binary character U+{ord(ch):04X} at position {pos}; "
                "expected plain text"
            )
        if ch in _BIDI_CONTROLS:
            raise InvalidInput(
                f"{what} has a bidirectional control character U+{ord(ch):04X} at position "
                f"{pos}, which makes text display in another order than it is written; "
                "expected plain text"
            )
    if not any(ch.isalpha() for ch in stripped):
        raise InvalidInput(
            f"{what} has no letters ({stripped[:20]!r}); expected words that say what "
            "you want to learn"
        )
    return stripped


# --- 3. tokens --------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` (word lists below stay readable prose)."""
    return frozenset(text.split())


# Function words of the four languages the mapper reads (English, German, Spanish, French),
# accent-folded; also used to guess a goal's language.
_STOP_BY_LANG: dict[str, frozenset[str]] = {
    "en": word_set(
        "a an and are as at be by for from get getting how i in into is it its me my of on "
        "or our so the their to up use using with want would like want better more about "
        "can could will should this that these those we you your"
    ),
    "de": word_set(
        "der die das den dem des ein eine einen einem einer und oder ich mich mir mein meine "
        "meinen meiner zu im in am an auf fur mit von vom zum zur ist sind wie will mochte "
        "besser uber bei"
    ),
    "es": word_set(
        "el la los las un una unos unas y o de del al en con para por mi mis me quiero "
        "como que su sus mas mejor sobre a lo"
    ),
    "fr": word_set(
        "le la les un une des et ou de du au aux en avec pour par mon ma mes je j me veux "
        "comment que son sa ses plus mieux sur a l d"
    ),
}
STOP_WORDS: frozenset[str] = frozenset().union(*_STOP_BY_LANG.values())

# Irregular forms goal writers use where a skill label has the base verb.
_LEMMA = {
    "written": "write",
    "wrote": "write",
    "writing": "write",
    "spoken": "speak",
    "spoke": "speak",
    "speaking": "speak",
    "led": "lead",
    "leading": "lead",
    "taught": "teach",
    "teaching": "teach",
    "bought": "buy",
    "sold": "sell",
    "selling": "sell",
    "built": "build",
    "building": "build",
    "ran": "run",
    "running": "run",
    "made": "make",
    "making": "make",
    "thought": "think",
    "thinking": "think",
    "understood": "understand",
    "understanding": "understand",
    "managing": "manage",
    "management": "manage",
    "manager": "manage",
    "managers": "manage",
    "analysis": "analys",
    "analyses": "analys",
    "analyse": "analys",
    "analyze": "analys",
    "analysing": "analys",
    "analyzing": "analys",
    "analytical": "analys",
    "presentation": "present",
    "presentations": "present",
    "presenting": "present",
    "negotiation": "negotiat",
    "negotiations": "negotiat",
    "negotiate": "negotiat",
    "negotiating": "negotiat",
    "communication": "communicat",
    "communications": "communicat",
    "communicate": "communicat",
    "communicating": "communicat",
}


def fold(text: str) -> str:
    """Casefolded, accents removed (NFKD minus combining marks): 'Gestión' -> 'gestion'."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=1 << 18)
def _word(w: str) -> tuple[str, str, bool]:
    """(folded, stemmed, is a function word) of one word as written (cached: a taxonomy
    repeats its words many times over)."""
    f = fold(w)
    return f, stem(f), f in STOP_WORDS


def stem(word: str) -> str:
    """A deliberately crude suffix stripper ('presenting', 'presents' -> 'present') plus the
    irregular forms of `_LEMMA`; `word` is already folded."""
    lemma = _LEMMA.get(word)
    if lemma is not None:
        return lemma
    for suffix, repl in (("sses", "ss"), ("ies", "y"), ("ing", ""), ("ed", ""), ("ss", "ss")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    if word.endswith("s") and len(word) >= 5:
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The words of `text` as written (case kept): letters and digits of any script."""
    return _WORD.findall(text)


# Words after which a sentence-initial capitalised word reads as a verb ("Polish my English").
_DETERMINERS = word_set("my the a an your our their his her up on this these that")


def lex_tokens(
    text: str, proper: frozenset[str] = frozenset(), *, sentence: bool = True
) -> list[str]:
    """Stemmed, folded tokens without function words.

    A word whose folded form is in `proper` (words the taxonomy uses both as proper and as
    common nouns) becomes `^word` when capitalised and not a sentence-initial verb (the first
    word followed by a determiner: "Polish my English"); all-caps text of two or more words
    carries no case information and is read as common words. `sentence=False` (taxonomy
    labels, which start lower-case in ESCO) reads a capitalised first word as proper too."""
    return [t for t, _ in lex_pairs(text, proper, sentence=sentence)]


def lex_pairs(
    text: str, proper: frozenset[str] = frozenset(), *, sentence: bool = True
) -> list[tuple[str, str]]:
    """(token, folded word it came from) for each token of `lex_tokens`."""
    raw = words(text)
    infos = [_word(w) for w in raw]
    if not proper or proper.isdisjoint([f for f, _, _ in infos]):  # the common case, fast
        return [(stemmed, f) for f, stemmed, stop in infos if not stop]
    shouting = len(raw) > 1 and text.isupper()
    out: list[tuple[str, str]] = []
    for i, (w, (f, stemmed, stop)) in enumerate(zip(raw, infos, strict=True)):
        if stop:
            continue
        if f in proper and w[:1].isupper() and not shouting:
            nxt = infos[i + 1][0] if i + 1 < len(raw) else ""
            if not (sentence and i == 0 and nxt in _DETERMINERS):
                out.append(("^" + f, f))
                continue
        out.append((stemmed, f))
    return out


# --- 2. analysis ------------------------------------------------------------------------------

# Goal boilerplate, longest first per language; matched on the folded text at word bounds.
_LEAD_INS = [
    # English: wanting, needing, improving, learning
    r"i (?:really )?(?:want|wanna|need|would like|'d like|d like|hope|plan|aim|intend|wish)"
    r" (?:to )?",
    r"i am (?:trying|hoping|looking|planning|aiming) (?:to )?",
    r"i'm (?:trying|hoping|looking|planning|aiming) (?:to )?",
    r"i'd (?:really )?(?:like|love) (?:to )?",
    r"my (?:goal|aim|objective|plan) (?:is|for this year is) (?:to )?",
    r"this year,? ?",
    r"(?:in order )?to ",
    r"(?:get|become|be|getting) (?:a |an )?(?:much |a lot |a bit |more )?"
    r"(?:better|more confident|stronger|more skilled|more fluent|good|great|confident"
    r"|comfortable|proficient|fluent|skilled)"
    r" (?:at|in|with|about|when|doing)? ?",
    r"(?:good|great|strong|excellent|solid) ",
    r"(?:polish|polishing)(?: up)? (?=my |our |the |your )(?:my |our |the |your )",
    r"(?:improve|improving|brush up(?: on)?|sharpen|hone|boost|enhance|work on|level up"
    r"|upskill in|upskill on|deepen|refresh|get into) (?:my |our |the |on |in )?",
    # verbs that also head skill labels ("develop software", "build rapport", "understand
    # written English") are boilerplate only before a possessive or "how to"/"about"
    r"(?:develop|developing|build|build up|grow|expand|strengthen|master|practi[cs]e)"
    r" (?:my |our )",
    r"(?:learn|learning)"
    r" (?:more )?(?:about |how to |to |the basics of |the fundamentals of |basics of )?",
    r"(?:study|studying|understand|know|discover)"
    r" (?:more )?(?:about |how to |the basics of |the fundamentals of |basics of )",
    r"(?:how to |more about |about |the basics of )",
    r"(?:skills?|abilities|ability|knowledge|competences?|competencies|expertise)"
    r" (?:in|of|at|on|for|with) ",
    # German
    r"ich (?:mochte|will|muss|wurde gerne?) (?:gerne? )?(?:meine |mein |meinen |mehr uber )?",
    r"(?:verbessern|lernen|besser werden in|vertiefen)",
    # Spanish
    r"(?:quiero|quisiera|me gustaria|necesito) (?:aprender (?:a |sobre )?|mejorar |dominar )?",
    r"(?:aprender (?:a |sobre )?|mejorar |dominar )",
    r"(?:mis |mi )",
    r"(?:habilidades|competencias|conocimientos) (?:de |en )",
    # French
    r"(?:je veux|je voudrais|j'aimerais|j aimerais|je dois|je souhaite) "
    r"(?:apprendre (?:a |le |la |les )?|ameliorer |maitriser |progresser en )?",
    r"(?:apprendre (?:a |le |la |les )?|ameliorer |maitriser |progresser en )",
    r"(?:mes |mon |ma )",
    r"(?:competences|connaissances) (?:en |de |d')",
]
_TAILS = [
    r" (?:skills?|abilities|skillset|skill set|knowledge|competences?|competencies"
    r"|expertise|capabilities)$",
    r" (?:this year|next year|this quarter|at work|in my job|in my role|in my career"
    r"|for my job|for my role|for my career|over the next \w+ months?)$",
    r" (?:a lot|more|better|further|as well)$",
    r" (?:verbessern|lernen|vertiefen)$",
]
_LEAD_RE = re.compile(r"^(?:" + "|".join(_LEAD_INS) + r")")
_TAIL_RE = re.compile(r"(?:" + "|".join(_TAILS) + r")")

# Words that say nothing about which skill: a goal made only of these is vague.
_GENERIC = word_set(
    "skill skills job work career role general overall professional professionally "
    "personal personally myself self things stuff everything something better good "
    "great best improve improvement grow growth develop development learn learning new "
    "level next step more be become get do able effective efficient successful success "
    "progress progression performance perform upskill upskilling potential all round "
    "rounded employee person worker team member colleague day daily life abilities "
    "ability competence competences expertise knowledge field area domain areas "
    "fields stronger strong well broaden broader horizon horizons lot"
)

_SPLIT = re.compile(
    r"\s*(?:;|\+|&|/|,\s*(?:and\s+|as well as\s+)?|\band also\b|\bas well as\b|\bplus\b"
    r"|\band\b|\by\b|\bet\b|\bund\b|\bsowie\b)\s*",
    re.IGNORECASE,
)
_MAX_PARTS = 4


@dataclass(frozen=True)
class GoalText:
    """What `analyse` makes of one goal text (all strings NFKC, single-spaced)."""

    text: str  # the whole goal
    core: str  # without boilerplate ("" when nothing is left)
    parts: tuple[str, ...]  # one per skill named; (core,) when one skill
    language: str  # "en", "de", "es" or "fr": the best guess from function words
    vague: bool  # nothing specific left after removing boilerplate and generic words


def normal_space(text: str) -> str:
    """NFKC, typographic apostrophes as ', one space between words."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def guess_language(text: str) -> str:
    """The language whose function words the text uses most; English on a tie or none."""
    return function_word_language(text) or "en"


def function_word_language(text: str) -> str | None:
    """The language whose function words the text uses most (English on a tie); None when
    it uses none ("gestionar proyectos": the words themselves must tell, see
    `taxonomy.lexical.LexicalIndex.language_of`)."""
    folded = [fold(w) for w in words(text)]
    counts = {lang: sum(w in stop for w in folded) for lang, stop in _STOP_BY_LANG.items()}
    if not any(counts.values()):
        return None
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] > counts["en"] else "en"


def strip_boilerplate(text: str) -> str:
    """`text` without leading goal phrases and trailing 'skills'/'this year' (repeatedly);
    case is kept where it survives (the match runs on a same-length folded copy)."""
    current = normal_space(text).strip(" .!?¡¿:;,-")
    for _ in range(8):
        folded = _fold_same_length(current)
        m = _LEAD_RE.match(folded)
        if m and m.end() > 0 and m.end() < len(current):
            current = current[m.end() :].strip(" .!?¡¿:;,-")
            continue
        t = _TAIL_RE.search(_fold_same_length(current))
        if t and t.start() > 0:
            current = current[: t.start()].strip(" .!?¡¿:;,-")
            continue
        break
    return current


def _fold_same_length(text: str) -> str:
    """Casefold and strip accents character by character, keeping the length (so match
    offsets apply to the original); characters that would change length stay as they are."""
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f if len(f) == 1 else ch.lower() if len(ch.lower()) == 1 else "?")
    return "".join(out)


# Workplace idioms whose words mislead both retrievals ("hold the room" is about presenting,
# not about rooms; "Excel" is a spreadsheet, not excellence): rewritten to the plain words a
# taxonomy uses. Matched case-insensitively on whole words.
_IDIOMS = [
    (r"\b(?:hold|holding|command|commanding|own|owning|work|working) the room\b", "presenting"),
    (r"\bpitch(?:ing)? to\b", "presenting to"),
    (r"\b(?:ms |microsoft )?excel\b(?! at)", "spreadsheets"),
    (r"\bpowerpoint\b", "presentation software"),
    (r"\bpublic speaker\b", "public speaking"),
]
_IDIOM_RES = [(re.compile(p, re.IGNORECASE), r) for p, r in _IDIOMS]


def plain_words(core: str) -> str:
    """`core` with the idioms of `_IDIOMS` rewritten."""
    for pattern, replacement in _IDIOM_RES:
        core = pattern.sub(replacement, core)
    return core


def is_vague(core: str) -> bool:
    """Nothing but generic or function words (or nothing at all)."""
    content = [fold(w) for w in words(core) if fold(w) not in STOP_WORDS]
    return all(w in _GENERIC or stem(w) in _GENERIC or len(w) < 2 for w in content)


# Nouns that name an activity on their own (negotiation, management, budgeting, leadership,
# compliance, diversity): a first part ending so does not borrow the next part's head noun.
_COMPLETE_NOUN = re.compile(
    r"(?:tion|sion|ment|ing|ship|ance|ence|ity|ness|ics|ism)$", re.IGNORECASE
)


def split_parts(core: str, keep_together: Iterable[str] = ()) -> tuple[str, ...]:
    """The skills a goal names, split at 'and', ',', ';', '&', '/', 'as well as', ... (and
    y/et/und). `keep_together` holds folded 'left and right' word triples the taxonomy uses
    inside one name ('health and safety'): no split there. A one-word part borrows a word
    from its neighbour: the verb of the part before ('manage projects and people' ->
    'manage people') or, for a first part that is no complete noun itself, the last word of
    the next ('project and people management' -> 'project management'; 'negotiation and
    conflict resolution' keeps 'negotiation')."""
    together = set(keep_together)
    pieces = [p for p in _SPLIT.split(core) if p is not None]
    seps = _SPLIT.findall(core)
    # re-join where the taxonomy has the phrase
    merged: list[str] = [pieces[0]] if pieces else []
    for sep, piece in zip(seps, pieces[1:], strict=False):
        left = words(merged[-1])
        right = words(piece)
        conj = fold(sep.strip(" ,")) or ","
        if left and right and f"{fold(left[-1])} {conj} {fold(right[0])}" in together:
            merged[-1] = f"{merged[-1]} {sep.strip()} {piece}"
        else:
            merged.append(piece)
    parts = [p.strip(" .,") for p in merged if _content(p)]
    if len(parts) < 2 or len(parts) > _MAX_PARTS:
        return (core,)
    out = list(parts)
    for i, part in enumerate(parts):
        if len(_content(part)) != 1 or len(words(part)) != 1:
            continue
        if i == 0 and _COMPLETE_NOUN.search(part):  # "negotiation" needs no head noun
            continue
        if i == 0:
            nxt = words(parts[1])
            if len(nxt) >= 2:
                out[0] = f"{part} {nxt[-1]}"
        else:
            prev = words(parts[i - 1])
            if len(prev) >= 2:
                out[i] = f"{prev[0]} {part}"
    return tuple(out)


def _content(text: str) -> list[str]:
    return [w for w in words(text) if fold(w) not in STOP_WORDS]


def analyse(text: str, keep_together: Iterable[str] = ()) -> GoalText:
    """Split a checked goal text into what the mapper searches for (see module doc)."""
    whole = normal_space(text)
    core = plain_words(strip_boilerplate(whole))
    vague = is_vague(core)
    if vague:
        return GoalText(whole, core, (core,), guess_language(whole), True)
    parts = split_parts(core, keep_together)
    parts = tuple(strip_boilerplate(p) or p for p in parts)
    return GoalText(whole, core, parts, guess_language(whole), False)
