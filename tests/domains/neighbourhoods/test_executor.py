from __future__ import annotations

import math
import operator
import os

import pytest

from joinedup.domains.neighbourhoods.engine.executor import executor_name, run_all


def test_local_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_EXECUTOR", raising=False)
    assert executor_name() == "local"
    monkeypatch.setenv("JOINEDUP_EXECUTOR", "Ray")
    assert executor_name() == "ray"
    monkeypatch.setenv("JOINEDUP_EXECUTOR", "spark")
    with pytest.raises(ValueError, match="spark"):
        executor_name()


def test_local_pool_runs_tasks_in_other_processes_in_order() -> None:
    seen: list[tuple[int, int]] = []
    pids = run_all(
        operator.call, [os.getpid] * 3, workers=2, on_done=lambda d, t: seen.append((d, t)), executor="local"
    )
    assert all(isinstance(p, int) and p != os.getpid() for p in pids)
    assert seen[-1] == (3, 3)
    assert run_all(math.factorial, [3, 4, 5], workers=2, executor="local") == [6, 24, 120]


def test_a_failed_task_is_returned_not_raised() -> None:
    out = run_all(math.factorial, [3, -1, 4], executor="inline")
    assert out[0] == 6 and out[2] == 24
    assert isinstance(out[1], ValueError)


def test_ray_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_EXECUTOR", "ray")
    try:
        import ray  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match=r"joinedup\[ray\]"):
            run_all(math.factorial, [3, 4])
    else:  # with the extra installed, the same call runs on a local Ray
        assert run_all(math.factorial, [3, 4]) == [6, 24]
