"""The allocation solver on small instances: optimum against brute force, limits, seed, explanations."""

import itertools
import random
from collections import Counter, defaultdict

import pytest

from apps.allocation import solver
from apps.allocation.solver import Choice, Problem, Request, Seat


def brute_force(problem: Problem) -> tuple[int, int, int]:
    """The best (met, first visits, value) over every allocation that keeps every constraint."""
    best = (0, 0, 0)
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
    days: Counter = Counter()
    held = defaultdict(list)
    for rid, rank in ranks.items():
        request = by_id[rid]
        choice = request.choices[rank - 1]
        seats[choice.slot] += 1
        periods[(request.prisoner, choice.period)] += 1
        days[(request.prisoner, problem.seats[choice.slot].day)] += 1
        held[request.prisoner].append(problem.seats[choice.slot])
    if any(seats[s] > problem.seats[s].seats for s in seats):
        return False
    if any(problem.allowance_left.get(key, 99) < n for key, n in periods.items()):
        return False
    if any(problem.day_left.get(key, 99) < n for key, n in days.items()):
        return False
    for visits in held.values():
        for a, b in itertools.combinations(visits, 2):
            if a.start < b.end and b.start < a.end:
                return False
    return True


def random_problem(
    rng: random.Random, *, overlapping_rooms: bool = False, days: bool = False
) -> Problem:
    """A small instance; some slots have no seat left, some requests span two periods;
    with ``days``, the slots fall on two days and each prisoner may have one (or two) a day."""
    n_slots = rng.randint(2, 4)
    seats = {}
    for s in range(1, n_slots + 1):
        start = (s if not overlapping_rooms else (s + 1) // 2) * 100
        seats[s] = Seat(s, rng.choice((0, 1, 1, 2, 2)), start, start + 60)
    prisoners = list(range(1, rng.randint(2, 4) + 1))
    requests = []
    for rid in range(1, rng.randint(3, 6) + 1):
        k = rng.randint(1, min(3, n_slots))
        slots = rng.sample(sorted(seats), k)
        spans = rng.random() < 0.3  # a request across two allowance periods
        period = "m1" if rng.random() < 0.8 else "m2"
        choices = tuple(Choice(s, rng.choice(("m1", "m2")) if spans else period) for s in slots)
        requests.append(Request(rid, rng.choice(prisoners), choices))
    allowance = {(p, m): rng.randint(0, 2) for p in prisoners for m in ("m1", "m2")}
    recent = {p: rng.randint(0, 5) for p in prisoners}
    problem = Problem(seats, requests, allowance, recent, seed=rng.randint(0, 10**6))
    if days:
        problem.seats = {s: Seat(s, t.seats, t.start, t.end, day=s % 2) for s, t in seats.items()}
        problem.day_left = {(p, d): rng.choice((1, 1, 2)) for p in prisoners for d in (0, 1)}
    return problem


@pytest.mark.parametrize("case", range(60))
def test_the_optimum_matches_brute_force(case):
    problem = random_problem(random.Random(case), overlapping_rooms=case % 3 == 0)
    result = solver.allocate(problem)
    assert (result.met, result.firsts, result.value) == brute_force(problem)
    assert result.optimal
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


def obstacles(problem: Problem, result, request: Request, choice: Choice) -> set[str]:
    """What stood in the way of one choice of a request not met, read off the result alone."""
    by_id = {r.id: r for r in problem.requests}
    taken = Counter(slot for slot in result.assigned.values() if slot is not None)
    met_in = Counter(
        (by_id[rid].prisoner, by_id[rid].choices[place].period)
        for rid, slot in result.assigned.items()
        if slot is not None
        for place in [next(i for i, c in enumerate(by_id[rid].choices) if c.slot == slot)]
    )
    found = set()
    cap = problem.allowance_left.get((request.prisoner, choice.period))
    if cap is not None and cap == 0:
        found.add(solver.NO_ALLOWANCE)
    if cap is not None and met_in[(request.prisoner, choice.period)] >= cap:
        found.add(solver.ALLOWANCE_TAKEN)
    if taken[choice.slot] >= problem.seats[choice.slot].seats:
        found.add(solver.SLOTS_FULL)
    if any(
        slot is not None
        and by_id[rid].prisoner == request.prisoner
        and solver._overlap(problem, choice.slot, slot)
        for rid, slot in result.assigned.items()
    ):
        found.add(solver.PRISONER_BUSY)
    return found


@pytest.mark.parametrize("case", range(80))
def test_explanations_are_consistent_with_the_result(case):
    """Each reason given holds for every time the family chose, not just for some."""
    problem = random_problem(random.Random(5000 + case), overlapping_rooms=case % 2 == 0)
    result = solver.allocate(problem)
    by_id = {r.id: r for r in problem.requests}
    for rid, explanation in result.explanations.items():
        request = by_id[rid]
        if explanation.code == solver.ALLOCATED:
            assert request.choices[explanation.rank - 1].slot == result.assigned[rid]
            continue
        assert result.assigned[rid] is None
        if explanation.code == solver.NO_VALID_CHOICE:
            assert not request.choices
            continue
        found = [obstacles(problem, result, request, c) for c in request.choices]
        assert all(found), "an unmet request had a choice nothing stood in the way of"
        if explanation.code == solver.BLOCKED:
            continue
        code = (
            solver.SLOTS_FULL if explanation.code == solver.TAKEN_BY_PRIORITY else explanation.code
        )
        assert all(code in f for f in found), (explanation.code, found)
        if explanation.code == solver.TAKEN_BY_PRIORITY:
            mine = problem.recent_visits[request.prisoner]
            for c in request.choices:
                holders = [o for o, slot in result.assigned.items() if slot == c.slot]
                assert holders, "a time with no seat at all did not go to anyone"
                assert all(problem.recent_visits[by_id[o].prisoner] < mine for o in holders)


def test_a_time_with_no_seat_left_is_full_not_taken_by_priority():
    seats = {1: Seat(1, 0, 0, 60)}
    problem = Problem(seats, [Request(1, 1, (Choice(1, "m"),))], {}, {1: 4}, seed=1)
    assert solver.allocate(problem).explanations[1].code == solver.SLOTS_FULL


def test_a_request_across_two_periods_is_told_the_reason_of_each():
    # Period m1's one visit went to the prisoner's other request (its first choice,
    # where request 2 only had its second left); the m2 time is full.
    seats = {1: Seat(1, 1, 0, 60), 2: Seat(2, 1, 100, 160), 3: Seat(3, 1, 200, 260)}
    requests = [
        Request(1, 1, (Choice(1, "m1"),)),
        Request(2, 1, (Choice(2, "m1", rank=2), Choice(3, "m2", rank=3))),
        Request(3, 2, (Choice(3, "m2"),)),
    ]
    problem = Problem(seats, requests, {(1, "m1"): 1, (1, "m2"): 1}, {1: 0, 2: 0}, seed=1)
    result = solver.allocate(problem)
    assert result.method == "cp-sat"
    assert result.assigned == {1: 1, 2: None, 3: 3}
    assert result.explanations[2].code == solver.BLOCKED


def test_ranks_are_the_familys_own_when_a_choice_was_left_out():
    # The family ranked times 1, 2, 3; time 1 was refused by the rules before solving.
    seats = {2: Seat(2, 1, 100, 160), 3: Seat(3, 1, 200, 260)}
    requests = [Request(1, 1, (Choice(2, "m", rank=2), Choice(3, "m", rank=3)))]
    result = solver.allocate(Problem(seats, requests, {}, {}, seed=1))
    assert result.assigned == {1: 2}
    assert result.rank == {1: 2}
    assert result.explanations[1] == solver.Explanation(solver.ALLOCATED, 2)
    # Its value is that of a second choice, not a first.
    unranked = Problem(seats, [Request(1, 1, (Choice(2, "m"), Choice(3, "m")))], {}, {}, seed=1)
    assert solver.allocate(unranked).value == result.value + solver.RANK_STEP


@pytest.mark.parametrize("method", ["auto", "cp-sat"])
def test_a_visit_for_every_prisoner_comes_before_anyones_second_strictly(method):
    """The same number met either way, but a chain of families each moving down a rank
    must not outweigh a prisoner with no recent visit getting none while another gets two."""
    k = 50
    seats = {s: Seat(s, 1, s * 100, s * 100 + 60) for s in range(k + 2)}
    left_out = Request(1, 1, (Choice(0, "m"),))  # prisoner 1: no recent visits
    chain = [Request(10 + i, 10 + i, (Choice(i - 1, "m"), Choice(i, "m"))) for i in range(1, k + 1)]
    twice = [Request(2, 2, (Choice(k + 1, "m"),)), Request(3, 2, (Choice(k, "m"),))]
    recent = {1: 0, 2: 4} | {r.prisoner: 0 for r in chain}
    problem = Problem(seats, [left_out, *chain, *twice], {}, recent, seed=1)
    result = solver.allocate(problem, method=method)
    assert result.met == k + 2
    assert solver.prisoners_without_visit(problem, result.rank) == 0
    assert result.assigned[1] == 0 and result.assigned[3] is None


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


@pytest.mark.parametrize("case", range(30))
def test_the_optimum_keeps_the_visits_a_day_allows(case):
    problem = random_problem(random.Random(5000 + case), days=True)
    result = solver.allocate(problem)
    assert (result.met, result.firsts, result.value) == brute_force(problem)
    assert feasible(problem, result.rank)
    assert feasible(
        problem, solver.first_come_first_served(problem, [r.id for r in problem.requests])
    )


def test_two_requests_for_one_prisoner_are_not_both_met_on_a_day_that_allows_one():
    seats = {1: Seat(1, 1, 0, 60, day="sat"), 2: Seat(2, 1, 300, 360, day="sat")}
    problem = Problem(
        seats,
        [Request(1, 7, (Choice(1, "m"),)), Request(2, 7, (Choice(2, "m"),))],
        day_left={(7, "sat"): 1},
    )
    assert not solver.flow_is_exact(problem)
    result = solver.allocate(problem)
    assert result.met == 1
    unmet = next(rid for rid, slot in result.assigned.items() if slot is None)
    assert result.explanations[unmet].code == solver.DAY_TAKEN
