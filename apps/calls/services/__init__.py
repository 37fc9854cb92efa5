"""Writes of video visits; views, the consumer and the scheduler call these."""

from apps.calls.services.calls import call_open, call_open_by_reference, calls_open
from apps.calls.services.live import (
    call_acknowledge_disclosure,
    call_confirm_custody,
    call_end,
    call_join,
    call_leave,
    call_media_report,
    call_open_at_terminal,
    call_socket_closed,
    call_warn,
    state_message,
)
from apps.calls.services.pairing import terminal_pair, terminal_pairing_code_issue
from apps.calls.services.settlement import call_end_if_due, calls_settle_overdue

__all__ = [
    "call_acknowledge_disclosure",
    "call_confirm_custody",
    "call_end",
    "call_end_if_due",
    "call_join",
    "call_leave",
    "call_media_report",
    "call_open",
    "call_open_at_terminal",
    "call_open_by_reference",
    "call_socket_closed",
    "call_warn",
    "calls_open",
    "calls_settle_overdue",
    "state_message",
    "terminal_pair",
    "terminal_pairing_code_issue",
]
