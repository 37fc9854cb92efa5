"""What sending a message has a higher layer do.

Answered by apps.worker (WorkerConfig.ready); see lib/hooks.py.
"""

from lib.hooks import hook


@hook
def message_sent() -> None:
    """A message task ran: make sure the scheduler's clock still ticks (a worker killed while
    running a tick takes that tick with it, and any sending revives it)."""
    raise NotImplementedError
