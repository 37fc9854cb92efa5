"""The scheduler's clock survives a worker killed in the middle of a tick."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from apps.worker.tasks import TICK_PATH, scheduler_ensure

pytestmark = pytest.mark.django_db


def ticks(status):
    return DBTaskResult.objects.filter(task_path=TICK_PATH, status=status)


def test_a_waiting_tick_is_not_doubled():
    assert scheduler_ensure() is True
    assert scheduler_ensure() is False
    assert ticks(TaskResultStatus.READY).count() == 1


def test_a_tick_still_running_recently_keeps_the_clock():
    scheduler_ensure()
    ticks(TaskResultStatus.READY).update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    assert scheduler_ensure() is False


def test_a_tick_left_running_by_a_killed_worker_is_replaced():
    scheduler_ensure()
    ticks(TaskResultStatus.READY).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert scheduler_ensure() is True
    assert ticks(TaskResultStatus.READY).count() == 1


def test_a_starting_worker_replaces_the_tick_its_predecessor_died_in():
    scheduler_ensure()
    ticks(TaskResultStatus.READY).update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    assert scheduler_ensure(starting=True) is True
    assert ticks(TaskResultStatus.READY).count() == 1
