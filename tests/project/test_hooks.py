"""Named hooks: one answer each, and a hook nobody answers is an error, never a silent no-op."""

import pytest

from lib.hooks import hook


def test_a_hook_passes_its_arguments_to_its_one_answer_and_returns_what_it_says():
    @hook
    def asked(*, number: int) -> int:
        """Double a number."""
        raise AssertionError("a hook's own body never runs")

    with pytest.raises(RuntimeError, match="nothing answers"):
        asked(number=2)

    def doubled(*, number: int) -> int:
        return number * 2

    asked.answer(doubled)
    asked.answer(doubled)  # the same answer again (a second ready()) is harmless
    assert asked(number=21) == 42
    with pytest.raises(RuntimeError, match="already has an answer"):
        asked.answer(lambda *, number: number)
    assert asked.__doc__ == "Double a number."


def test_every_hook_of_the_apps_is_answered_once_the_apps_are_ready():
    from apps.bookings import hooks as bookings_hooks
    from apps.facilities import hooks as facilities_hooks
    from apps.notifications import hooks as notifications_hooks
    from apps.people import hooks as people_hooks
    from lib.hooks import Hook

    declared = [
        value
        for module in (bookings_hooks, facilities_hooks, notifications_hooks, people_hooks)
        for value in vars(module).values()
        if isinstance(value, Hook)
    ]
    assert declared
    assert [h.name for h in declared if h._answer is None] == []
