"""Readers during a write see the batch entirely or not at all; writers take turns."""

from __future__ import annotations

import threading

from graph.model import Person, PersonSkill, Skill
from graph.store import GraphStore, UpsertPeople, UpsertPersonSkills, UpsertSkills


def big_batch(n: int, tag: str) -> list:
    skills = [Skill(id=f"{tag}-s{i:05d}", label=f"{tag} skill {i}", aliases=[f"{tag}{i}"])
              for i in range(n)]  # fmt: skip
    people = [Person(id=f"{tag}-p{i:05d}", name=f"P {i}") for i in range(n // 2)]
    has = [PersonSkill(person_id=p.id, skill_id=skills[k].id, level=1 + k % 5)
           for k, p in enumerate(people)]  # fmt: skip
    return [UpsertSkills(skills), UpsertPeople(people), UpsertPersonSkills(has)]


def test_readers_never_see_half_a_batch(store: GraphStore) -> None:
    n = 3000
    ops = big_batch(n, "x")
    store.apply([UpsertSkills([Skill(id="s-first", label="First")])])
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()
    started = threading.Barrier(4)

    def read() -> None:
        try:
            started.wait()
            while not done.is_set():
                seen.append((store.count_skills(), len(store.holders_of("x-s00000"))))
            seen.append((store.count_skills(), len(store.holders_of("x-s00000"))))
        except BaseException as exc:  # surfaced below; a thread must not swallow it
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    started.wait()
    try:
        store.apply(ops)
    finally:
        done.set()
        for t in readers:
            t.join(timeout=60)
    assert not errors, errors
    assert seen
    counts = {c for c, _ in seen}
    assert counts <= {1, n + 1}, sorted(counts)
    assert (n + 1, 1) in seen  # each reader's last look is after the commit
    assert store.count_people() == n // 2


def test_concurrent_writers_take_turns(store: GraphStore) -> None:
    v0 = store.data_version()
    errors: list[BaseException] = []

    def write(tag: str) -> None:
        try:
            store.apply(big_batch(400, tag))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(tag,)) for tag in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert store.count_skills() == 1200
    assert store.count_people() == 600
    assert store.data_version() >= v0 + 3  # grows with each of the three applies
