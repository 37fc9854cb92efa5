"""The allocation run: an exact optimum over ranked requests, with an explanation for each.

Pure Python over plain data (no Django), so the app and ``bench/allocation.py``
call the very same function, :func:`allocate`.

Objective, strictly in order (lexicographic: a later step never trades away
anything of an earlier one):

1. the most requests met;
2. among those, the most first visits: (prisoner, allowance period) pairs with
   at least one visit, so every prisoner gets a visit in a period before anyone
   gets a second one in it;
3. among those, the greatest total value, where each met request is worth
   * ``PRIORITY_STEP`` for each recent family visit the prisoner had fewer than
     ``RECENT_CAP`` (priority to prisoners who were visited less),
   * ``RANK_STEP`` for each place higher in the family's original ranking,
   * a travel bonus the caller may give (families who come from far);
4. ties broken by a small per-choice number drawn from the recorded seed.

Constraints: a slot's seats, a prisoner's allowance left in each period, the
visits a prisoner may still have on each day, one seat per request, and never
two visits of one prisoner at overlapping times.

The fast path is a min-cost maximum flow (OR-Tools ``SimpleMinCostFlow``); it is
exact whenever every request's choices lie in one allowance period, a
prisoner's requests only overlap in time by naming the same slot, and no day
is asked of a prisoner by more requests than it has visits left. Its costs
are scaled per instance so that steps 2-4 are strictly lexicographic (see
:func:`_solve_flow`). Anything else (two rooms at the same hour, a request
across two periods) goes to CP-SAT, solved in stages, one per step, each with
small coefficients and the previous steps fixed; the whole solve has a time
limit, starts from the flow's solution repaired to be feasible, and the result
records whether it is proven optimal or the best found in the time limit.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

PRIORITY_STEP = 10
RECENT_CAP = 4
RANK_STEP = 3
MAX_CHOICES = 5
TIE_RANGE = 1024
SOLVER_SECONDS = 20.0  # default time limit of the CP-SAT fallback, in seconds
INT64_SAFE = 2**62

# Explanation codes, rendered into sentences by apps.allocation.explanations.
ALLOCATED = "allocated"
NO_VALID_CHOICE = "no_valid_choice"
NO_ALLOWANCE = "no_allowance"
ALLOWANCE_TAKEN = "allowance_taken"
PRISONER_BUSY = "prisoner_busy"
DAY_TAKEN = "day_taken"
TAKEN_BY_PRIORITY = "taken_by_priority"
SLOTS_FULL = "slots_full"
# Each choice was blocked, but not all for the same reason (full, no visit left, busy).
BLOCKED = "blocked"


@dataclass(frozen=True)
class Seat:
    """A slot offered by the run: seats still free and its time (any comparable numbers)."""

    slot: int
    seats: int
    start: float
    end: float
    day: Hashable = None  # the slot's local date, for the visits a day allows


@dataclass(frozen=True)
class Choice:
    slot: int
    period: Hashable  # the prisoner's allowance period the slot falls in
    rank: int | None = None  # the family's original 1-based rank; None: its place here


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
    # Visits a prisoner may still have per (prisoner, day); a pair not listed is not limited.
    day_left: dict[tuple[int, Hashable], int] = field(default_factory=dict)

    def day_of(self, request: Request, choice: Choice) -> tuple[int, Hashable]:
        return (request.prisoner, self.seats[choice.slot].day)


@dataclass(frozen=True)
class Explanation:
    code: str
    rank: int | None = None  # the family's 1-based rank of the choice met


@dataclass
class Result:
    assigned: dict[int, int | None]  # request id -> slot id or None
    rank: dict[int, int]  # request id -> the family's 1-based rank of the choice met
    met: int
    value: int  # the step-3 objective in units (tie-break excluded)
    method: str  # "flow", "cp-sat" or "empty"
    explanations: dict[int, Explanation]
    firsts: int = 0  # step 2: (prisoner, period) pairs with a visit
    optimal: bool = True  # proven optimal; False: the best found in the time limit
    status: str = "OPTIMAL"  # for CP-SAT, the status of each stage
    met_bound: int | None = None  # an upper bound on step 1 when not proven optimal


def choice_rank(choice: Choice, index: int) -> int:
    """The family's 1-based rank of a choice (its original rank when the caller gave it)."""
    return choice.rank if choice.rank is not None else index + 1


# --------------------------------------------------------------------------- weights


def request_value(problem: Problem, request: Request, index: int) -> int:
    """Step-3 value (in units) of meeting ``request`` with its choice ``index`` (0-based)."""
    recent = min(problem.recent_visits.get(request.prisoner, 0), RECENT_CAP)
    rank = min(choice_rank(request.choices[index], index), MAX_CHOICES)
    return (
        PRIORITY_STEP * (RECENT_CAP - recent)
        + RANK_STEP * (MAX_CHOICES - rank)
        + max(request.travel_bonus, 0)
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


def objective(problem: Problem, picks: dict[int, int]) -> tuple[int, int, int]:
    """(requests met, first visits, step-3 value) of an allocation: request id -> 1-based place."""
    by_id = {r.id: r for r in problem.requests}
    value = 0
    firsts: set[tuple[int, Hashable]] = set()
    for request_id, place in picks.items():
        request = by_id[request_id]
        value += request_value(problem, request, place - 1)
        firsts.add((request.prisoner, request.choices[place - 1].period))
    return len(picks), len(firsts), value


# --------------------------------------------------------------------------- entry point


def allocate(problem: Problem, *, method: str = "auto", seconds: float = SOLVER_SECONDS) -> Result:
    """Solve ``problem`` and explain every request's outcome.

    The flow is exact; CP-SAT stops after ``seconds`` and then returns the best
    allocation found, marked ``optimal=False``.
    """
    requests = [r for r in problem.requests if r.choices]
    optimal, status, bound = True, "OPTIMAL", None
    if not requests:
        picks: dict[int, int] = {}
        used = "empty"
    elif method == "flow" or (method == "auto" and flow_is_exact(problem)):
        picks = _solve_flow(problem, requests)
        used = "flow"
    else:
        picks, optimal, status, bound = _solve_cp_sat(problem, requests, seconds)
        used = "cp-sat"
    assigned: dict[int, int | None] = {r.id: None for r in problem.requests}
    by_id = {r.id: r for r in problem.requests}
    ranks: dict[int, int] = {}
    for request_id, place in picks.items():
        choice = by_id[request_id].choices[place - 1]
        assigned[request_id] = choice.slot
        ranks[request_id] = choice_rank(choice, place - 1)
    met, firsts, value = objective(problem, picks)
    return Result(
        assigned,
        ranks,
        met,
        value,
        used,
        explain(problem, assigned, picks),
        firsts=firsts,
        optimal=optimal,
        status=status,
        met_bound=bound,
    )


def flow_is_exact(problem: Problem) -> bool:
    """True when the flow network represents every constraint of ``problem`` exactly."""
    disjoint = _slots_disjoint(problem.seats.values())
    by_prisoner: dict[int, list[Request]] = defaultdict(list)
    for request in problem.requests:
        if len({c.period for c in request.choices}) > 1:
            return False
        by_prisoner[request.prisoner].append(request)
    if _a_day_binds(problem):
        return False
    if disjoint:  # then only the same slot can overlap, and the flow holds that
        return True
    for requests in by_prisoner.values():
        if len(requests) > 1 and _distinct_slots_overlap(problem, requests):
            return False
    return True


def _a_day_binds(problem: Problem) -> bool:
    """Whether more requests ask a prisoner's day than it has visits left (the flow cannot
    hold that limit)."""
    if not problem.day_left:
        return False
    asking: dict[tuple[int, Hashable], set[int]] = defaultdict(set)
    for request in problem.requests:
        for choice in request.choices:
            asking[problem.day_of(request, choice)].add(request.id)
    return any(len(ids) > problem.day_left.get(key, len(ids)) for key, ids in asking.items())


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
    """Max flow of least cost; costs scaled so that steps 2-4 are strictly lexicographic.

    Every unit of flow crosses one period arc and one choice arc. With n requests:
    the tie-breaks of all met requests sum to less than ``unit = TIE_RANGE * (n + 1)``;
    the step-3 values (each at most ``top_value``) of all met requests differ by less
    than ``n * top_value + 1`` units, so a second visit in a period costs
    ``second = unit * (n * top_value + 1)``: one more first visit outweighs any
    step-3 and tie-break gain. The largest total cost is checked against int64.
    """
    from ortools.graph.python import min_cost_flow

    n = len(requests)
    unit = TIE_RANGE * (n + 1)
    tie = tie_breaks(problem)
    top_value = PRIORITY_STEP * RECENT_CAP + RANK_STEP * (MAX_CHOICES - 1)
    top_value += max(max(r.travel_bonus, 0) for r in requests)
    top = unit * (top_value + 1)
    second = unit * (n * top_value + 1)
    if n * (second + top) >= INT64_SAFE:
        raise ValueError(f"{n} requests are too many for one flow's int64 costs")
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
    for key, count in wanting.items():
        left = min(problem.allowance_left.get(key, count), count)
        if left > 0:
            arcs.append((0, period_node[key], 1, 0))
        if left > 1:
            arcs.append((0, period_node[key], left - 1, second))
    for slot, node in slot_node.items():
        arcs.append((node, 1, max(problem.seats[slot].seats, 0), 0))
    for (_prisoner, slot), node in shared_node.items():
        arcs.append((node, slot_node[slot], 1, 0))
    choice_arcs: dict[int, tuple[int, int]] = {}
    for i, r in enumerate(requests):
        node = first_request + i
        arcs.append((period_node[(r.prisoner, r.choices[0].period)], node, 1, 0))
        for index, c in enumerate(r.choices):
            value = unit * request_value(problem, r, index) + tie[(r.id, index)]
            target = shared_node.get((r.prisoner, c.slot)) or slot_node[c.slot]
            choice_arcs[len(arcs)] = (r.id, index + 1)
            arcs.append((node, target, 1, top - value))
    flow = min_cost_flow.SimpleMinCostFlow()
    tails, heads, caps, costs = (list(column) for column in zip(*arcs, strict=True))
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(0, len(requests))
    flow.set_node_supply(1, -len(requests))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = flow.flows(list(choice_arcs))
    return dict(pick for pick, f in zip(choice_arcs.values(), flows, strict=True) if f > 0)


def _shared_slots(requests: Iterable[Request]) -> set[tuple[int, int]]:
    """(prisoner, slot) named by two or more requests: one seat at most goes to that prisoner."""
    seen: dict[tuple[int, int], int] = defaultdict(int)
    for request in requests:
        for slot in {c.slot for c in request.choices}:
            seen[(request.prisoner, slot)] += 1
    return {key for key, count in seen.items() if count > 1}


def _repaired(problem: Problem, requests: list[Request], picks: dict[int, int]) -> dict[int, int]:
    """``picks`` made feasible (dropping what breaks a limit), then filled greedily.

    Kept best value first; then every request not met takes its best choice
    that breaks no limit, so no request is left out that could simply be added.
    """
    by_id = {r.id: r for r in requests}
    limits = _Limits(problem)
    kept: dict[int, int] = {}

    def take(request: Request, index: int) -> bool:
        if not limits.take(request, index):
            return False
        kept[request.id] = index + 1
        return True

    order = sorted(
        picks.items(),
        key=lambda item: (-request_value(problem, by_id[item[0]], item[1] - 1), item[0]),
    )
    for request_id, place in order:
        take(by_id[request_id], place - 1)
    for request in sorted(requests, key=lambda r: r.id):
        if request.id not in kept:
            filled = limits.first_fit(request)
            if filled is not None:
                kept[request.id] = filled
    return kept


class _Limits:
    """What is left of every limit while seats are handed out one by one (the repair and the
    first-come baseline): seats, allowance, visits a day, and the prisoners' busy times."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.seats = {slot: seat.seats for slot, seat in problem.seats.items()}
        self.allowance = dict(problem.allowance_left)
        self.days = dict(problem.day_left)
        self.held: dict[int, list[int]] = defaultdict(list)

    def take(self, request: Request, index: int) -> bool:
        """Take the request's choice at ``index`` if no limit forbids it."""
        return self.first_fit(request, request.choices[index : index + 1]) is not None

    def first_fit(self, request: Request, choices: Sequence[Choice] | None = None) -> int | None:
        """Take the first of ``choices`` (the request's, best first, by default) that no limit
        forbids; its 1-based place among them, or None. Cheapest checks first, and the
        lookups bound once: the first-come baseline runs this for every request."""
        seats, allowance, days, problem = self.seats, self.allowance, self.days, self.problem
        prisoner = request.prisoner
        held = self.held[prisoner]
        for place, choice in enumerate(request.choices if choices is None else choices, 1):
            slot = choice.slot
            if seats[slot] <= 0:
                continue
            period = (prisoner, choice.period)
            if allowance.get(period, 1) <= 0:
                continue
            # Most problems limit no day: the day's key is not even made for them.
            day = (prisoner, problem.seats[slot].day) if days else None
            if day is not None and days.get(day, 1) <= 0:
                continue
            if held and any(_overlap(problem, slot, s) for s in held):
                continue
            seats[slot] -= 1
            if period in allowance:
                allowance[period] -= 1
            if day in days:
                days[day] -= 1
            held.append(slot)
            return place
        return None


# --------------------------------------------------------------------------- CP-SAT


def _solve_cp_sat(
    problem: Problem, requests: list[Request], seconds: float
) -> tuple[dict[int, int], bool, str, int | None]:
    """Steps 1-4 as four CP-SAT solves, each fixing the ones before; small coefficients only.

    Returns (picks, proven optimal, status of each stage, upper bound on requests met).
    """
    import time

    from ortools.sat.python import cp_model

    deadline = time.monotonic() + seconds
    model = cp_model.CpModel()
    x = {
        (r.id, i): model.new_bool_var(f"x{r.id}_{i}")
        for r in requests
        for i in range(len(r.choices))
    }
    _cp_constraints(model, problem, requests, x)
    by_period: dict[tuple[int, Hashable], list] = defaultdict(list)
    for r in requests:
        for i, c in enumerate(r.choices):
            by_period[(r.prisoner, c.period)].append(x[(r.id, i)])
    firsts = []  # one 0/1 expression per (prisoner, period): "has a visit in it"
    for number, (key, chosen) in enumerate(by_period.items()):
        if len(chosen) == 1 or problem.allowance_left.get(key, 2) <= 1:
            firsts.append(sum(chosen))  # at most one visit here anyway
            continue
        first = model.new_bool_var(f"first{number}")
        model.add(first <= sum(chosen))
        firsts.append(first)
    # Redundant, but it gives stage 2 its bound at once: no more first visits than visits.
    model.add(sum(firsts) <= sum(x.values()))
    tie = tie_breaks(problem)
    stages = [
        [(1, var) for var in x.values()],
        [(1, first) for first in firsts],
        [
            (request_value(problem, r, i), x[(r.id, i)])
            for r in requests
            for i in range(len(r.choices))
        ],
        [(tie[(r.id, i)], x[(r.id, i)]) for r in requests for i in range(len(r.choices))],
    ]
    # The flow's allocation (blind to the constraints it cannot hold), made feasible.
    try:
        hint = _repaired(problem, requests, _solve_flow(problem, requests))
    except ValueError:  # too large for the flow's costs: start from the greedy fill alone
        hint = _repaired(problem, requests, {})
    values = {key: int(hint.get(key[0]) == key[1] + 1) for key in x}
    optimal = True
    statuses = []
    bound: int | None = None
    for number, terms in enumerate(stages):
        expression = sum(w * v for w, v in terms)
        model.clear_hints()
        for key, var in x.items():
            model.add_hint(var, values[key])
        model.maximize(expression)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1  # one worker: the same answer when proven optimal
        solver.parameters.random_seed = problem.seed % (2**31)
        solver.parameters.max_time_in_seconds = max(deadline - time.monotonic(), 0.01)
        status = solver.solve(model)
        statuses.append(solver.status_name(status))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            optimal = False  # keep the allocation of the stage before
            break
        values = {key: int(solver.value(var)) for key, var in x.items()}
        # Exact, from the values themselves (not the objective's float).
        best = sum(w * int(solver.value(v)) for w, v in terms)
        if number == 0 and status != cp_model.OPTIMAL:
            bound = int(solver.best_objective_bound)
        if status != cp_model.OPTIMAL:
            optimal = False
        # Later stages must keep what this one reached.
        model.add(expression >= best)
    picks = {rid: i + 1 for (rid, i), value in values.items() if value}
    if not optimal:
        picks = _repaired(problem, requests, picks)
    return picks, optimal, " ".join(statuses), bound


def _cp_constraints(model, problem: Problem, requests: list[Request], x: dict) -> None:
    by_slot: dict[int, list] = defaultdict(list)
    by_period: dict[tuple[int, Hashable], list] = defaultdict(list)
    by_day: dict[tuple[int, Hashable], list] = defaultdict(list)
    by_prisoner: dict[int, list[tuple[Request, int]]] = defaultdict(list)
    for r in requests:
        model.add_at_most_one(x[(r.id, i)] for i in range(len(r.choices)))
        for i, c in enumerate(r.choices):
            by_slot[c.slot].append(x[(r.id, i)])
            by_period[(r.prisoner, c.period)].append(x[(r.id, i)])
            by_day[problem.day_of(r, c)].append(x[(r.id, i)])
            by_prisoner[r.prisoner].append((r, i))
    for slot, chosen in by_slot.items():
        model.add(sum(chosen) <= max(problem.seats[slot].seats, 0))
    for limits, grouped in ((problem.allowance_left, by_period), (problem.day_left, by_day)):
        for key, chosen in grouped.items():
            if key in limits:
                model.add(sum(chosen) <= max(limits[key], 0))
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
    problem: Problem, assigned: dict[int, int | None], picks: dict[int, int]
) -> dict[int, Explanation]:
    """Why each request got what it got, read off the allocation itself.

    ``picks`` is request id -> 1-based place of the choice met in ``request.choices``.
    """
    used: dict[int, int] = defaultdict(int)
    holders: dict[int, list[int]] = defaultdict(list)  # slot -> prisoners seated
    visits: dict[tuple[Hashable, ...], int] = defaultdict(int)  # per period, and per day
    by_id = {r.id: r for r in problem.requests}
    for request_id, slot in assigned.items():
        if slot is not None:
            request = by_id[request_id]
            choice = request.choices[picks[request_id] - 1]
            used[slot] += 1
            holders[slot].append(request.prisoner)
            visits[(request.prisoner, choice.period)] += 1
            if problem.day_left:
                visits[("day", *problem.day_of(request, choice))] += 1
    busy = _busy_times(assigned, by_id)
    return {
        r.id: _explain_one(problem, r, picks, used, holders, visits, busy) for r in problem.requests
    }


def _busy_times(assigned: dict[int, int | None], by_id: dict[int, Request]):
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)  # prisoner -> (slot, request)
    for request_id, slot in assigned.items():
        if slot is not None:
            busy[by_id[request_id].prisoner].append((slot, request_id))
    return busy


def _explain_one(problem, request, picks, used, holders, visits, busy) -> Explanation:
    """A code that holds for every choice of the request (``BLOCKED`` when reasons differ)."""
    if request.id in picks:
        place = picks[request.id]
        return Explanation(ALLOCATED, choice_rank(request.choices[place - 1], place - 1))
    if not request.choices:
        return Explanation(NO_VALID_CHOICE)
    reasons = []
    for c in request.choices:
        cap = problem.allowance_left.get((request.prisoner, c.period))
        found = set()
        if cap is not None and cap <= 0:
            found.add(NO_ALLOWANCE)
        if cap is not None and visits[(request.prisoner, c.period)] >= cap:
            found.add(ALLOWANCE_TAKEN)
        if problem.day_left:
            day = problem.day_of(request, c)
            if day in problem.day_left and visits[("day", *day)] >= problem.day_left[day]:
                found.add(DAY_TAKEN)
        if any(
            other != request.id and _overlap(problem, c.slot, slot)
            for slot, other in busy[request.prisoner]
        ):
            found.add(PRISONER_BUSY)
        if used[c.slot] >= problem.seats[c.slot].seats:
            found.add(SLOTS_FULL)
        reasons.append(found)
    for code in (NO_ALLOWANCE, ALLOWANCE_TAKEN, PRISONER_BUSY, DAY_TAKEN):
        if all(code in found for found in reasons):
            return Explanation(code)
    if all(SLOTS_FULL in found for found in reasons):
        mine = min(problem.recent_visits.get(request.prisoner, 0), RECENT_CAP)
        if all(
            problem.seats[c.slot].seats > 0
            and holders[c.slot]
            and all(
                min(problem.recent_visits.get(holder, 0), RECENT_CAP) < mine
                for holder in holders[c.slot]
            )
            for c in request.choices
        ):
            return Explanation(TAKEN_BY_PRIORITY)
        return Explanation(SLOTS_FULL)
    # Only a result not proven optimal could leave a choice with no obstacle, and
    # that result is filled greedily first; so every choice here has some reason.
    return Explanation(BLOCKED)


# --------------------------------------------------------------------------- baseline


def first_come_first_served(problem: Problem, order: Sequence[int]) -> dict[int, int]:
    """The race a request window replaces: in ``order``, each takes its best choice still free."""
    by_id = {r.id: r for r in problem.requests}
    limits = _Limits(problem)
    ranks: dict[int, int] = {}
    for request_id in order:
        place = limits.first_fit(by_id[request_id])
        if place is not None:
            ranks[request_id] = place
    return ranks


def prisoners_without_visit(problem: Problem, ranks: dict[int, int]) -> int:
    """Prisoners with at least one request and none met."""
    asking = {r.prisoner for r in problem.requests}
    by_id = {r.id: r for r in problem.requests}
    return len(asking - {by_id[rid].prisoner for rid in ranks})
