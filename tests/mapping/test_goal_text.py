"""Goal text analysis (pure): what can be mapped, boilerplate, parts, vagueness, language,
tokens. Goals here are our own wording, one per case, plus cases of the same kind."""

from __future__ import annotations

import re

import pytest

from graph.errors import InvalidInput
from taxonomy.goal_text import (
    analyse,
    check_text,
    guess_language,
    is_vague,
    lex_tokens,
    split_parts,
    strip_boilerplate,
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("  \t\n ", "empty"),
        ("y" * 2001, "2001 characters"),
        ("learn\x00 sql", "U+0000 at position 5"),
        ("\x1b[31mcoaching", "U+001B"),
        ("budget \ufffd\ufffd planning", "U+FFFD"),
        ("learn \u202eLQS", "U+202E"),  # displays as "learn SQL" but is stored reversed
        ("coach \u2066team\u2069", "U+2066"),
        ("🚀🚀🔥", "no letters"),
        ("!!! ??? 123", "no letters"),
        ("\u200b\u200b", "no letters"),  # zero-width spaces only
    ],
)
def test_unmappable_text_is_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as err:
        check_text(text, "goal text")
    assert err.value.message.startswith("goal text")


@pytest.mark.parametrize("text", ["x", "SQL", "Ünternehmensführung", "日本語を勉強する", "a\tb\nc"])
def test_short_accented_or_other_script_text_is_accepted(text: str) -> None:
    assert check_text(text) == text.strip()


@pytest.mark.parametrize(
    ("goal", "core"),
    [
        ("I want to get better at negotiating with vendors", "negotiating with vendors"),
        ("improve my spreadsheet skills", "spreadsheet"),
        ("I'd like to learn how to run a retrospective", "run a retrospective"),
        ("My goal is to become a more confident facilitator", "facilitator"),
        ("strong stakeholder communication skills this year", "stakeholder communication"),
        ("brush up on my budgeting.", "budgeting"),
        ("Quiero mejorar mis habilidades de liderazgo", "liderazgo"),
        ("Je veux apprendre à coder en Python", "coder en Python"),
        ("knowledge of contract law", "contract law"),
    ],
)
def test_boilerplate_is_removed_and_case_kept(goal: str, core: str) -> None:
    assert strip_boilerplate(goal) == core


def test_polish_as_a_verb_is_boilerplate_but_polish_the_language_is_not() -> None:
    assert strip_boilerplate("polish my written English") == "written English"
    assert strip_boilerplate("Polish for the office") == "Polish for the office"


@pytest.mark.parametrize(
    ("core", "parts"),
    [
        ("budgeting and forecasting", ("budgeting", "forecasting")),
        ("Kotlin, Swift and UX research", ("Kotlin", "Swift", "UX research")),
        ("negotiation as well as mediation", ("negotiation", "mediation")),
        ("onboarding & mentoring", ("onboarding", "mentoring")),
        # a shared verb or head noun goes to the one-word part
        ("run workshops and retrospectives", ("run workshops", "run retrospectives")),
        ("risk and change management", ("risk management", "change management")),
        # ... but a first part that names an activity on its own keeps its words
        ("mediation and stakeholder engagement", ("mediation", "stakeholder engagement")),
        ("forecasting, scenario planning", ("forecasting", "scenario planning")),
        # one skill: nothing to split
        ("stakeholder mapping", ("stakeholder mapping",)),
    ],
)
def test_goals_naming_several_skills_are_split(core: str, parts: tuple[str, ...]) -> None:
    assert split_parts(core) == parts


def test_no_split_inside_a_phrase_the_taxonomy_names() -> None:
    together = {"research and development", "health and safety"}
    assert split_parts("research and development", together) == ("research and development",)
    assert split_parts("occupational health and safety audits", together) == (
        "occupational health and safety audits",
    )
    assert split_parts("research and copywriting", together) == ("research", "copywriting")


@pytest.mark.parametrize(
    "goal",
    [
        "get better at my job",
        "grow professionally",
        "improve my skills",
        "be more effective",
        "learn new things",
        "x",
        "level up in my career",
    ],
)
def test_generic_goals_are_vague(goal: str) -> None:
    assert analyse(goal).vague


@pytest.mark.parametrize(
    "goal", ["get better at Excel", "grow my sales pipeline", "improve my French", "SQL"]
)
def test_specific_goals_are_not_vague(goal: str) -> None:
    assert not analyse(goal).vague
    assert not is_vague(analyse(goal).core)


@pytest.mark.parametrize(
    ("goal", "language"),
    [
        ("aprender a gestionar el presupuesto de mi equipo", "es"),
        ("je veux améliorer la gestion de mon équipe", "fr"),
        ("ich möchte meine Präsentationen verbessern", "de"),
        ("get better at Spanish", "en"),
        ("Excel", "en"),
    ],
)
def test_language_guessed_from_function_words(goal: str, language: str) -> None:
    assert guess_language(goal) == language


def test_tokens_fold_stem_lemmatise_and_drop_function_words() -> None:
    assert lex_tokens("Gestión de los Proyectos") == ["gestion", "proyecto"]
    assert lex_tokens("written reports and spoken updates") == [
        "write",
        "report",
        "speak",
        "update",
    ]


def test_ambiguous_words_keep_their_sense_by_case() -> None:
    amb = frozenset({"polish", "turkey"})
    assert lex_tokens("polish my slides", amb) == ["polish", "slide"]
    assert lex_tokens("Polish my slides", amb) == ["polish", "slide"]  # sentence-initial verb
    assert lex_tokens("learn Polish", amb) == ["learn", "^polish"]
    assert lex_tokens("Polish grammar", amb) == ["^polish", "grammar"]
    assert lex_tokens("LEARN POLISH", amb) == ["learn", "polish"]  # all caps: no case signal
    assert lex_tokens("write Polish", amb, sentence=False) == ["write", "^polish"]
