"""The allocation run: an exact optimum over ranked requests, with an explanation for each.

Pure Python over plain data (no Django), so the app and ``bench/allocation.py``
call the very same function, :func:`allocate`.

Objective, in order:

1. the most requests met (a maximum flow, so nothing trades a met request away);
2. among those, the greatest total value, where each met request is worth
   * ``FIRST_VISIT`` if it is the prisoner's first visit of that allowance period
     (so visits are spread over prisoners rather than stacked on a few),
   * ``PRIORITY_STEP`` for each recent family visit the prisoner had fewer than
     ``RECENT_CAP`` (priority to prisoners who were visited less),
   * ``RANK_STEP`` for each place higher in the family's ranking,
   * a travel bonus the caller may give (families who come from far);
3. ties broken by a small per-choice number drawn from the recorded seed; the
   tie-break terms of all requests together are worth less than one unit of
   step 2, so they only ever choose between otherwise equal allocations.

Constraints: a slot's seats, a prisoner's allowance left in each period, one
seat per request, and never two visits of one prisoner at overlapping times.

The fast path is a min-cost maximum flow (OR-Tools ``SimpleMinCostFlow``); it is
exact whenever every request's choices lie in one allowance period and a
prisoner's requests only overlap in time by naming the same slot. Anything
else (two rooms at the same hour, a request across two months) is solved
exactly by CP-SAT with the same objective.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

FIRST_VISIT = 100
PRIORITY_STEP = 10
RECENT_CAP = 4
RANK_STEP = 3
MAX_CHOICES = 5
TIE_RANGE = 1024

# Explanation codes, rendered into sentences by apps.allocation.explanations.
ALLOCATED = "allocated"
NO_VALID_CHOICE = "no_valid_choice"
NO_ALLOWANCE = "no_allowance"
ALLOWANCE_TAKEN = "allowance_taken"
PRISONER_BUSY = "prisoner_busy"
TAKEN_BY_PRIORITY = "taken_by_priority"
SLOTS_FULL = "slots_full"


@dataclass(frozen=True)
class Seat:
    """A slot offered by the run: seats still free and its time (any comparable numbers)."""

    slot: int
    seats: int
    start: float
    end: float


@dataclass(frozen=True)
class Choice:
    slot: int
    period: Hashable  # the prisoner's allowance period the slot falls in


@dataclass(frozen=True)
class Request:
    id: int
    prisoner: int
    choices: tuple[Choice, ...]  # best first; choices that cannot be used left out
    travel_bonus: int = 0


@dataclass
class Problem:
    seats: dict[int, Seat]
    requests: list[Request]
    # Allowance left per (prisoner, period); a pair not listed is not limited.
    allowance_left: dict[tuple[int, Hashable], int] = field(default_factory=dict)
    recent_visits: dict[int, int] = field(default_factory=dict)
    seed: int = 0


@dataclass(frozen=True)
class Explanation:
    code: str
    rank: int | None = None  # 1-based rank of the choice met


@dataclass
class Result:
    assigned: dict[int, int | None]  # request id -> slot id or None
    rank: dict[int, int]  # request id -> 1-based rank of the choice met
    met: int
    value: int  # the step-2 objective in units (tie-break excluded)
    method: str  # "flow", "cp-sat" or "empty"
    explanations: dict[int, Explanation]


# --------------------------------------------------------------------------- weights


def request_value(problem: Problem, request: Request, index: int) -> int:
    """Step-2 value (in units) of meeting ``request`` with its choice ``index`` (0-based)."""
    recent = min(problem.recent_visits.get(request.prisoner, 0), RECENT_CAP)
    return (
        PRIORITY_STEP * (RECENT_CAP - recent)
        + RANK_STEP * (MAX_CHOICES - 1 - index)
        + request.travel_bonus
    )


def tie_breaks(problem: Problem) -> dict[tuple[int, int], int]:
    """One number in [0, TIE_RANGE) per (request, choice), drawn from the seed in request order."""
    rng = random.Random(problem.seed)
    bits = TIE_RANGE.bit_length() - 1  # TIE_RANGE is a power of two
    return {
        (request.id, index): rng.getrandbits(bits)
        for request in sorted(problem.requests, key=lambda r: r.id)
        for index in range(len(request.choices))
    }


def objective(problem: Problem, ranks: dict[int, int]) -> tuple[int, int]:
    """(requests met, step-2 value) of an allocation given as request id -> 1-based rank."""
    by_id = {r.id: r for r in problem.requests}
    value = 0
    firsts: set[tuple[int, Hashable]] = set()
    for request_id, rank in ranks.items():
        request = by_id[request_id]
        value += request_value(problem, request, rank - 1)
        firsts.add((request.prisoner, request.choices[rank - 1].period))
    return len(ranks), value + FIRST_VISIT * len(firsts)


# --------------------------------------------------------------------------- entry point


def allocate(problem: Problem, *, method: str = "auto") -> Result:
    """Solve ``problem`` exactly and explain every request's outcome."""
    requests = [r for r in problem.requests if r.choices]
    if not requests:
        ranks: dict[int, int] = {}
        used = "empty"
    elif method == "flow" or (method == "auto" and flow_is_exact(problem)):
        ranks = _solve_flow(problem, requests)
        used = "flow"
    else:
        ranks = _solve_cp_sat(problem, requests)
        used = "cp-sat"
    assigned: dict[int, int | None] = {r.id: None for r in problem.requests}
    by_id = {r.id: r for r in problem.requests}
    for request_id, rank in ranks.items():
        assigned[request_id] = by_id[request_id].choices[rank - 1].slot
    met, value = objective(problem, ranks)
    return Result(assigned, ranks, met, value, used, explain(problem, assigned, ranks))


def flow_is_exact(problem: Problem) -> bool:
    """True when the flow network represents every constraint of ``problem`` exactly."""
    disjoint = _slots_disjoint(problem.seats.values())
    by_prisoner: dict[int, list[Request]] = defaultdict(list)
    for request in problem.requests:
        if len({c.period for c in request.choices}) > 1:
            return False
        by_prisoner[request.prisoner].append(request)
    if disjoint:  # then only the same slot can overlap, and the flow holds that
        return True
    for requests in by_prisoner.values():
        if len(requests) > 1 and _distinct_slots_overlap(problem, requests):
            return False
    return True


def _slots_disjoint(seats: Iterable[Seat]) -> bool:
    ordered = sorted((seat.start, seat.end) for seat in seats)
    return all(b[0] >= a[1] for a, b in itertools.pairwise(ordered))


def _distinct_slots_overlap(problem: Problem, requests: Sequence[Request]) -> bool:
    """Whether two different requests name two different slots at overlapping times."""
    items = sorted(
        (problem.seats[c.slot].start, problem.seats[c.slot].end, c.slot, r.id)
        for r in requests
        for c in r.choices
    )
    for i, (_start, end, slot, request_id) in enumerate(items):
        for other_start, _end, other_slot, other_request in items[i + 1 :]:
            if other_start >= end:
                break
            if other_slot != slot and other_request != request_id:
                return True
    return False


# --------------------------------------------------------------------------- min-cost flow


def _solve_flow(problem: Problem, requests: list[Request]) -> dict[int, int]:
    from ortools.graph.python import min_cost_flow

    unit = TIE_RANGE * (len(requests) + 1)
    tie = tie_breaks(problem)
    top = unit * (FIRST_VISIT + PRIORITY_STEP * RECENT_CAP + RANK_STEP * MAX_CHOICES + 1)
    top += unit * max(r.travel_bonus for r in requests)
    # Node numbers: 0 source, 1 sink, then slots, periods, shared seats, requests.
    slot_node = {
        slot: 2 + i for i, slot in enumerate({c.slot for r in requests for c in r.choices})
    }
    period_node: dict[tuple[int, Hashable], int] = {}
    wanting: dict[tuple[int, Hashable], int] = defaultdict(int)
    for r in requests:
        key = (r.prisoner, r.choices[0].period)
        wanting[key] += 1
        period_node.setdefault(key, 2 + len(slot_node) + len(period_node))
    shared = _shared_slots(requests)
    shared_node = {key: 2 + len(slot_node) + len(period_node) + i for i, key in enumerate(shared)}
    first_request = 2 + len(slot_node) + len(period_node) + len(shared_node)
    arcs: list[tuple[int, int, int, int]] = []  # (tail, head, capacity, cost)
    # Costs are all non-negative: every unit of flow crosses exactly one period
    # arc and one choice arc, so "top - value" orders flows of equal size as "value" does.
    for key, count in wanting.items():
        left = min(problem.allowance_left.get(key, count), count)
        if left > 0:
            arcs.append((0, period_node[key], 1, 0))
        if left > 1:
            arcs.append((0, period_node[key], left - 1, unit * FIRST_VISIT))
    for slot, n in slot_node.items():
        arcs.append((n, 1, problem.seats[slot].seats, 0))
    for (_prisoner, slot), n in shared_node.items():
        arcs.append((n, slot_node[slot], 1, 0))
    choice_arcs: dict[int, tuple[int, int]] = {}
    recent = problem.recent_visits
    for i, r in enumerate(requests):
        n = first_request + i
        arcs.append((period_node[(r.prisoner, r.choices[0].period)], n, 1, 0))
        base = PRIORITY_STEP * (RECENT_CAP - min(recent.get(r.prisoner, 0), RECENT_CAP))
        base += r.travel_bonus + RANK_STEP * (MAX_CHOICES - 1)
        for index, c in enumerate(r.choices):
            value = unit * (base - RANK_STEP * index) + tie[(r.id, index)]
            target = shared_node.get((r.prisoner, c.slot)) or slot_node[c.slot]
            choice_arcs[len(arcs)] = (r.id, index + 1)
            arcs.append((n, target, 1, top - value))
    flow = min_cost_flow.SimpleMinCostFlow()
    tails, heads, caps, costs = (list(column) for column in zip(*arcs, strict=True))
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(0, len(requests))
    flow.set_node_supply(1, -len(requests))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = flow.flows(list(choice_arcs))
    return dict(rank for rank, f in zip(choice_arcs.values(), flows, strict=True) if f > 0)


def _shared_slots(requests: Iterable[Request]) -> set[tuple[int, int]]:
    """(prisoner, slot) named by two or more requests: one seat at most goes to that prisoner."""
    seen: dict[tuple[int, int], int] = defaultdict(int)
    for request in requests:
        for slot in {c.slot for c in request.choices}:
            seen[(request.prisoner, slot)] += 1
    return {key for key, count in seen.items() if count > 1}


# --------------------------------------------------------------------------- CP-SAT


def _solve_cp_sat(problem: Problem, requests: list[Request]) -> dict[int, int]:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = {
        (r.id, i): model.new_bool_var(f"x{r.id}_{i}")
        for r in requests
        for i in range(len(r.choices))
    }
    _cp_constraints(model, problem, requests, x)
    unit = TIE_RANGE * (len(requests) + 1)
    tie = tie_breaks(problem)
    terms = []
    for r in requests:
        for i in range(len(r.choices)):
            terms.append((unit * request_value(problem, r, i) + tie[(r.id, i)], x[(r.id, i)]))
    by_period: dict[tuple[int, Hashable], list] = defaultdict(list)
    for r in requests:
        for i, c in enumerate(r.choices):
            by_period[(r.prisoner, c.period)].append(x[(r.id, i)])
    for key, chosen in by_period.items():
        first = model.new_bool_var(f"first{key}")
        model.add(first <= sum(chosen))
        terms.append((unit * FIRST_VISIT, first))
    # One more request met outweighs any value the others could bring.
    big = sum(weight for weight, _var in terms) + 1
    model.maximize(sum(big * var for var in x.values()) + sum(w * v for w, v in terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # one worker: the same answer every time
    solver.parameters.random_seed = problem.seed % (2**31)
    status = solver.solve(model)
    if status != cp_model.OPTIMAL:
        raise RuntimeError(f"CP-SAT did not prove an optimum ({solver.status_name(status)})")
    return {rid: i + 1 for (rid, i), var in x.items() if solver.value(var)}


def _cp_constraints(model, problem: Problem, requests: list[Request], x: dict) -> None:
    by_slot: dict[int, list] = defaultdict(list)
    by_period: dict[tuple[int, Hashable], list] = defaultdict(list)
    by_prisoner: dict[int, list[tuple[Request, int]]] = defaultdict(list)
    for r in requests:
        model.add_at_most_one(x[(r.id, i)] for i in range(len(r.choices)))
        for i, c in enumerate(r.choices):
            by_slot[c.slot].append(x[(r.id, i)])
            by_period[(r.prisoner, c.period)].append(x[(r.id, i)])
            by_prisoner[r.prisoner].append((r, i))
    for slot, chosen in by_slot.items():
        model.add(sum(chosen) <= problem.seats[slot].seats)
    for key, chosen in by_period.items():
        if key in problem.allowance_left:
            model.add(sum(chosen) <= problem.allowance_left[key])
    for entries in by_prisoner.values():
        for a, (ra, ia) in enumerate(entries):
            for rb, ib in entries[a + 1 :]:
                if ra.id != rb.id and _overlap(problem, ra.choices[ia].slot, rb.choices[ib].slot):
                    model.add_bool_or([x[(ra.id, ia)].Not(), x[(rb.id, ib)].Not()])


def _overlap(problem: Problem, a: int, b: int) -> bool:
    sa, sb = problem.seats[a], problem.seats[b]
    return sa.start < sb.end and sb.start < sa.end


# --------------------------------------------------------------------------- explanations


def explain(
    problem: Problem, assigned: dict[int, int | None], ranks: dict[int, int]
) -> dict[int, Explanation]:
    """Why each request got what it got, read off the allocation itself."""
    used: dict[int, int] = defaultdict(int)
    holders: dict[int, list[int]] = defaultdict(list)  # slot -> prisoners seated
    visits: dict[tuple[int, Hashable], int] = defaultdict(int)
    by_id = {r.id: r for r in problem.requests}
    for request_id, slot in assigned.items():
        if slot is not None:
            request = by_id[request_id]
            used[slot] += 1
            holders[slot].append(request.prisoner)
            visits[(request.prisoner, request.choices[ranks[request_id] - 1].period)] += 1
    busy = _busy_times(problem, assigned, by_id)
    return {
        r.id: _explain_one(problem, r, ranks, used, holders, visits, busy) for r in problem.requests
    }


def _busy_times(problem: Problem, assigned: dict[int, int | None], by_id: dict[int, Request]):
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)  # prisoner -> (slot, request)
    for request_id, slot in assigned.items():
        if slot is not None:
            busy[by_id[request_id].prisoner].append((slot, request_id))
    return busy


def _explain_one(problem, request, ranks, used, holders, visits, busy) -> Explanation:
    if request.id in ranks:
        return Explanation(ALLOCATED, ranks[request.id])
    if not request.choices:
        return Explanation(NO_VALID_CHOICE)
    periods = {c.period for c in request.choices}
    caps = [problem.allowance_left.get((request.prisoner, p)) for p in periods]
    if all(cap is not None and cap <= 0 for cap in caps):
        return Explanation(NO_ALLOWANCE)
    if all(
        cap is not None and visits[(request.prisoner, p)] >= cap
        for p, cap in zip(periods, caps, strict=True)
    ):
        return Explanation(ALLOWANCE_TAKEN)
    full = [c for c in request.choices if used[c.slot] >= problem.seats[c.slot].seats]
    if len(full) < len(request.choices):
        # A seat was free at some choice, so something about the prisoner stood in the way.
        return Explanation(PRISONER_BUSY)
    mine = min(problem.recent_visits.get(request.prisoner, 0), RECENT_CAP)
    if all(
        min(problem.recent_visits.get(holder, 0), RECENT_CAP) < mine
        for c in request.choices
        for holder in holders[c.slot]
    ):
        return Explanation(TAKEN_BY_PRIORITY)
    return Explanation(SLOTS_FULL)


# --------------------------------------------------------------------------- baseline


def first_come_first_served(problem: Problem, order: Sequence[int]) -> dict[int, int]:
    """The race a request window replaces: in ``order``, each takes its best choice still free."""
    by_id = {r.id: r for r in problem.requests}
    seats = {slot: seat.seats for slot, seat in problem.seats.items()}
    left = dict(problem.allowance_left)
    taken: dict[int, list[int]] = defaultdict(list)
    ranks: dict[int, int] = {}
    for request_id in order:
        request = by_id[request_id]
        for index, choice in enumerate(request.choices):
            key = (request.prisoner, choice.period)
            if seats[choice.slot] <= 0 or left.get(key, 1) <= 0:
                continue
            if any(_overlap(problem, choice.slot, s) for s in taken[request.prisoner]):
                continue
            seats[choice.slot] -= 1
            if key in left:
                left[key] -= 1
            taken[request.prisoner].append(choice.slot)
            ranks[request_id] = index + 1
            break
    return ranks


def prisoners_without_visit(problem: Problem, ranks: dict[int, int]) -> int:
    """Prisoners with at least one request and none met."""
    asking = {r.prisoner for r in problem.requests}
    by_id = {r.id: r for r in problem.requests}
    return len(asking - {by_id[rid].prisoner for rid in ranks})
