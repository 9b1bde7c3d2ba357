"""The formats of mentoring a program declares, as rules a proposal must keep.

`format_problems(program, pairing)` lists what a proposed pairing, group, circle or micro
session breaks of its program's declaration (`graph.model.Program`; a program nobody declared
allows every format at default intensity, `Program.undeclared`):

- `program.models`: the format is not one the program runs;
- `program.max_group_size`: a group has 2..N mentees (N = the program's `max_group_size`);
- `program.circle_size`: a peer circle has 3..the program's `max_circle_size` (at most 6)
  members, its convener included;
- `micro.skill`, `micro.session_minutes`, `micro.mentees`: a micro session is one mentee,
  one skill, 30-60 minutes.

Each problem is `{"field", "rule", "reason"}` with `field` the request field it is about
(`mentee_ids`, `model`, `skill_id`, `session_minutes`), so the API's one error shape names it.
Pure: no store, no clock.
"""

from __future__ import annotations

from graph.errors import InvalidInput
from graph.model import CIRCLE_MIN, GROUP_MIN, MentoringModel, Pairing, Program
from graph.store import GraphStore

M = MentoringModel


def program_of(store: GraphStore, program_id: str | None) -> Program:
    """The program's declaration, or what an undeclared (or absent) program allows."""
    if program_id is None:
        return Program.undeclared("(none)")
    return store.get_program(program_id) or Program.undeclared(program_id)


def format_problems(program: Program, pairing: Pairing) -> list[dict[str, str]]:
    """Every rule of `program` the proposed `pairing` breaks (see the module doc)."""
    out: list[dict[str, str]] = []
    model = pairing.model
    if model not in program.models:
        offered = ", ".join(m.value for m in program.models)
        out.append(
            {
                "field": "model",
                "rule": "program.models",
                "reason": f"program {program.id!r} does not run {model.value} mentoring "
                f"(it runs: {offered})",
            }
        )
    n = len(pairing.mentee_ids)
    if model == M.group and not GROUP_MIN <= n <= program.max_group_size:
        out.append(
            {
                "field": "mentee_ids",
                "rule": "program.max_group_size",
                "reason": f"a group in program {program.id!r} has {GROUP_MIN}-"
                f"{program.max_group_size} mentees; {n} given",
            }
        )
    if model == M.circle and not CIRCLE_MIN <= n + 1 <= program.max_circle_size:
        out.append(
            {
                "field": "member_ids",
                "rule": "program.circle_size",
                "reason": f"a peer circle in program {program.id!r} has {CIRCLE_MIN}-"
                f"{program.max_circle_size} members; {n + 1} given",
            }
        )
    if model == M.micro:
        if n != 1:
            out.append(
                {
                    "field": "mentee_ids",
                    "rule": "micro.mentees",
                    "reason": f"a micro session has exactly one mentee; {n} given",
                }
            )
        if pairing.skill_id is None:
            out.append(
                {
                    "field": "skill_id",
                    "rule": "micro.skill",
                    "reason": "a micro session is on one skill; none given",
                }
            )
        if pairing.session_minutes is None:
            out.append(
                {
                    "field": "session_minutes",
                    "rule": "micro.session_minutes",
                    "reason": "a micro session lasts 30-60 minutes; none given",
                }
            )
    elif pairing.skill_id is not None or pairing.session_minutes is not None:
        out.append(
            {
                "field": "skill_id",
                "rule": "micro.only",
                "reason": f"skill_id and session_minutes belong to micro sessions, "
                f"not {model.value} mentoring",
            }
        )
    return out


def refuse_format_breaks(program: Program, pairing: Pairing) -> None:
    """InvalidInput (422) naming the first broken rule's field; `details` lists them all."""
    problems = format_problems(program, pairing)
    if problems:
        first = problems[0]
        raise InvalidInput(
            f"{first['field']}: {first['rule']}: {first['reason']}",
            details=[
                {"field": p["field"], "reason": f"{p['rule']}: {p['reason']}"} for p in problems
            ],
        )
