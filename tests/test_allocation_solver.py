"""The allocation solver on small instances: optimum against brute force, limits, seed, explanations."""

import itertools
import random
from collections import Counter, defaultdict

import pytest

from apps.allocation import solver
from apps.allocation.solver import Choice, Problem, Request, Seat


def brute_force(problem: Problem) -> tuple[int, int]:
    """The best (met, value) over every allocation that keeps every constraint."""
    best = (0, 0)
    options = [range(len(r.choices) + 1) for r in problem.requests]  # 0 = not met
    for picks in itertools.product(*options):
        ranks = {r.id: k for r, k in zip(problem.requests, picks, strict=True) if k}
        if feasible(problem, ranks):
            best = max(best, solver.objective(problem, ranks))
    return best


def feasible(problem: Problem, ranks: dict[int, int]) -> bool:
    by_id = {r.id: r for r in problem.requests}
    seats: Counter = Counter()
    periods: Counter = Counter()
    held = defaultdict(list)
    for rid, rank in ranks.items():
        request = by_id[rid]
        choice = request.choices[rank - 1]
        seats[choice.slot] += 1
        periods[(request.prisoner, choice.period)] += 1
        held[request.prisoner].append(problem.seats[choice.slot])
    if any(seats[s] > problem.seats[s].seats for s in seats):
        return False
    if any(problem.allowance_left.get(key, 99) < n for key, n in periods.items()):
        return False
    for visits in held.values():
        for a, b in itertools.combinations(visits, 2):
            if a.start < b.end and b.start < a.end:
                return False
    return True


def random_problem(rng: random.Random, *, overlapping_rooms: bool = False) -> Problem:
    n_slots = rng.randint(2, 4)
    seats = {}
    for s in range(1, n_slots + 1):
        start = (s if not overlapping_rooms else (s + 1) // 2) * 100
        seats[s] = Seat(s, rng.randint(1, 2), start, start + 60)
    prisoners = list(range(1, rng.randint(2, 4) + 1))
    requests = []
    for rid in range(1, rng.randint(3, 6) + 1):
        k = rng.randint(1, min(3, n_slots))
        slots = rng.sample(sorted(seats), k)
        period = "m1" if rng.random() < 0.8 else "m2"
        requests.append(
            Request(rid, rng.choice(prisoners), tuple(Choice(s, period) for s in slots))
        )
    allowance = {(p, m): rng.randint(0, 2) for p in prisoners for m in ("m1", "m2")}
    recent = {p: rng.randint(0, 5) for p in prisoners}
    return Problem(seats, requests, allowance, recent, seed=rng.randint(0, 10**6))


@pytest.mark.parametrize("case", range(60))
def test_the_optimum_matches_brute_force(case):
    problem = random_problem(random.Random(case), overlapping_rooms=case % 3 == 0)
    result = solver.allocate(problem)
    assert (result.met, result.value) == brute_force(problem)
    assert feasible(problem, result.rank)


@pytest.mark.parametrize("case", range(20))
def test_flow_and_cp_sat_agree_where_the_flow_is_exact(case):
    problem = random_problem(random.Random(1000 + case))
    if not solver.flow_is_exact(problem):
        pytest.skip("this instance needs CP-SAT")
    assert solver.allocate(problem, method="flow").rank == (
        solver.allocate(problem, method="cp-sat").rank
    )


def test_capacity_and_allowance_are_never_exceeded():
    rng = random.Random(7)
    seats = {s: Seat(s, 3, s * 100, s * 100 + 50) for s in range(1, 11)}
    requests = [
        Request(i, rng.randrange(40), tuple(Choice(s, "m") for s in rng.sample(range(1, 11), 3)))
        for i in range(200)
    ]
    allowance = {(p, "m"): rng.randint(0, 2) for p in range(40)}
    problem = Problem(seats, requests, allowance, {}, seed=3)
    result = solver.allocate(problem)
    taken = Counter(slot for slot in result.assigned.values() if slot is not None)
    assert all(taken[s] <= 3 for s in seats)
    per_prisoner = Counter(r.prisoner for r in requests if result.assigned[r.id])
    assert all(per_prisoner[p] <= allowance[(p, "m")] for p in range(40))
    assert result.met == min(30, sum(min(a, 99) for a in allowance.values())) or result.met > 0


def test_a_fixed_seed_gives_the_same_allocation_and_another_seed_may_not():
    # Four identical requests for two seats: only the seed can choose.
    seats = {1: Seat(1, 2, 0, 60)}
    requests = [Request(i, i, (Choice(1, "m"),)) for i in range(1, 5)]
    runs = [solver.allocate(Problem(seats, requests, {}, {}, seed=42)) for _ in range(3)]
    assert runs[0].assigned == runs[1].assigned == runs[2].assigned
    outcomes = {
        tuple(sorted(solver.allocate(Problem(seats, requests, {}, {}, seed=s)).rank))
        for s in range(20)
    }
    assert len(outcomes) > 1


def test_prisoners_with_fewer_recent_visits_come_first():
    seats = {1: Seat(1, 1, 0, 60)}
    requests = [Request(1, 1, (Choice(1, "m"),)), Request(2, 2, (Choice(1, "m"),))]
    result = solver.allocate(Problem(seats, requests, {}, {1: 3, 2: 0}, seed=1))
    assert result.assigned == {1: None, 2: 1}
    assert result.explanations[1].code == solver.TAKEN_BY_PRIORITY


def test_a_prisoner_without_a_visit_comes_before_a_second_visit():
    seats = {1: Seat(1, 1, 0, 60), 2: Seat(2, 1, 100, 160)}
    requests = [
        Request(1, 1, (Choice(1, "m"),)),
        Request(2, 1, (Choice(2, "m"),)),
        Request(3, 2, (Choice(2, "m"),)),
    ]
    result = solver.allocate(Problem(seats, requests, {}, {1: 0, 2: 4}, seed=1))
    assert result.assigned == {1: 1, 2: None, 3: 2}


def test_one_prisoner_never_gets_two_overlapping_visits():
    seats = {1: Seat(1, 5, 0, 60), 2: Seat(2, 5, 30, 90)}
    requests = [Request(1, 1, (Choice(1, "m"),)), Request(2, 1, (Choice(2, "m"),))]
    problem = Problem(seats, requests, {}, {}, seed=1)
    assert not solver.flow_is_exact(problem)
    result = solver.allocate(problem)
    assert result.method == "cp-sat"
    assert result.met == 1
    unmet = 1 if result.assigned[1] is None else 2
    assert result.explanations[unmet].code == solver.PRISONER_BUSY


@pytest.mark.parametrize("case", range(40))
def test_explanations_are_consistent_with_the_result(case):
    problem = random_problem(random.Random(5000 + case), overlapping_rooms=case % 2 == 0)
    result = solver.allocate(problem)
    taken = Counter(slot for slot in result.assigned.values() if slot is not None)
    by_id = {r.id: r for r in problem.requests}
    met_in: Counter = Counter()
    held = defaultdict(list)
    for rid, rank in result.rank.items():
        met_in[(by_id[rid].prisoner, by_id[rid].choices[rank - 1].period)] += 1
        held[by_id[rid].prisoner].append(result.assigned[rid])
    for rid, explanation in result.explanations.items():
        request = by_id[rid]
        if explanation.code == solver.ALLOCATED:
            assert request.choices[explanation.rank - 1].slot == result.assigned[rid]
            continue
        assert result.assigned[rid] is None
        if explanation.code in (solver.SLOTS_FULL, solver.TAKEN_BY_PRIORITY):
            assert all(taken[c.slot] >= problem.seats[c.slot].seats for c in request.choices)
        if explanation.code == solver.NO_ALLOWANCE:
            assert all(
                problem.allowance_left[(request.prisoner, c.period)] == 0 for c in request.choices
            )
        if explanation.code == solver.ALLOWANCE_TAKEN:
            assert all(
                met_in[(request.prisoner, c.period)]
                >= problem.allowance_left[(request.prisoner, c.period)]
                for c in request.choices
            )
        if explanation.code == solver.PRISONER_BUSY:
            free = [c for c in request.choices if taken[c.slot] < problem.seats[c.slot].seats]
            assert free and all(
                any(solver._overlap(problem, c.slot, s) for s in held[request.prisoner])
                or met_in[(request.prisoner, c.period)]
                >= problem.allowance_left[(request.prisoner, c.period)]
                for c in free
            )
        if explanation.code == solver.TAKEN_BY_PRIORITY:
            mine = problem.recent_visits[request.prisoner]
            assert all(
                problem.recent_visits[by_id[other].prisoner] < mine
                for other, slot in result.assigned.items()
                if slot in {c.slot for c in request.choices}
            )


def test_first_come_first_served_baseline_keeps_the_limits():
    seats = {1: Seat(1, 1, 0, 60), 2: Seat(2, 1, 100, 160)}
    requests = [
        Request(1, 1, (Choice(1, "m"), Choice(2, "m"))),
        Request(2, 2, (Choice(1, "m"),)),
    ]
    problem = Problem(seats, requests, {}, {}, seed=1)
    fcfs = solver.first_come_first_served(problem, [1, 2])
    assert fcfs == {1: 1}
    assert solver.prisoners_without_visit(problem, fcfs) == 1
    best = solver.allocate(problem)
    assert best.rank == {1: 2, 2: 1}
    assert solver.prisoners_without_visit(problem, best.rank) == 0
