"""Named hooks: where a lower layer has something done by a higher one without importing it.

A lower app declares each hook in its ``hooks.py``, as a function whose signature
and docstring say what is asked; exactly one higher app answers it, in its
``AppConfig.ready()``. Unlike a Django signal, a hook has one answer, which
returns a value, and calling a hook that nothing answers is an error: a missing
answer fails every test that reaches it instead of silently doing nothing.
``grep -rn "@hook" apps`` lists them all, and docs/architecture.md names each
with its answer.
"""

from collections.abc import Callable
from functools import update_wrapper
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    def __init__(self, prototype: Callable[P, R]) -> None:
        update_wrapper(self, prototype)
        self.name = f"{prototype.__module__}.{prototype.__qualname__}"
        self._answer: Callable[P, R] | None = None

    def answer(self, function: Callable[P, R]) -> Callable[P, R]:
        """Make ``function`` the hook's answer (once; a second, different one is a mistake)."""
        if self._answer is not None and self._answer is not function:
            raise RuntimeError(f"{self.name} already has an answer: {self._answer!r}")
        self._answer = function
        return function

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._answer is None:
            raise RuntimeError(f"nothing answers {self.name}: is the app that does installed?")
        return self._answer(*args, **kwargs)


def hook(prototype: Callable[P, R]) -> Hook[P, R]:
    """Declare a hook from a function that only describes it (its body is never run)."""
    return Hook(prototype)
