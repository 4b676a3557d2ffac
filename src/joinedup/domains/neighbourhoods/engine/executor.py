"""Runs independent rostering tasks in parallel: a local process pool by default, Ray when
``JOINEDUP_EXECUTOR=ray`` (install the ``ray`` extra). ``on_done(done, total)`` reports progress."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
ProgressFn = Callable[[int, int], None]

EXECUTORS = ("local", "ray", "inline")


def executor_name() -> str:
    name = os.environ.get("JOINEDUP_EXECUTOR", "local").strip().lower() or "local"
    if name not in EXECUTORS:
        raise ValueError(f"JOINEDUP_EXECUTOR={name!r} is not one of {', '.join(EXECUTORS)}")
    return name


def run_all(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    workers: int | None = None,
    on_done: ProgressFn | None = None,
    executor: str | None = None,
) -> list[R | BaseException]:
    """``fn`` over ``tasks``; results in task order. A task that raised gives its exception, so one
    failed neighbourhood leaves the others' results usable (and labelled partial)."""
    name = executor or executor_name()
    if name == "ray":
        return _ray(fn, tasks, on_done)
    if name == "inline" or len(tasks) <= 1:
        return _inline(fn, tasks, on_done)
    return _pool(fn, tasks, workers or os.cpu_count() or 1, on_done)


def _inline(fn: Callable[[T], R], tasks: Sequence[T], on_done: ProgressFn | None) -> list[R | BaseException]:
    out: list[R | BaseException] = []
    for task in tasks:
        try:
            out.append(fn(task))
        except Exception as exc:
            out.append(exc)
        if on_done:
            on_done(len(out), len(tasks))
    return out


def _pool(
    fn: Callable[[T], R], tasks: Sequence[T], workers: int, on_done: ProgressFn | None
) -> list[R | BaseException]:
    out: list[R | BaseException | None] = [None] * len(tasks)
    # spawn, not fork: the web server runs threads, and forking them is unsafe
    with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                out[futures[future]] = future.result()
            except Exception as exc:
                out[futures[future]] = exc
            if on_done:
                on_done(done, len(tasks))
    return [r for r in out if r is not None]


def _apply(fn: Callable[[T], R], task: T) -> R:
    return fn(task)


def _ray(fn: Callable[[T], R], tasks: Sequence[T], on_done: ProgressFn | None) -> list[R | BaseException]:
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError('JOINEDUP_EXECUTOR=ray needs Ray: pip install "joinedup[ray]"') from exc
    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), ignore_reinit_error=True, log_to_driver=False)
    remote: Any = ray.remote(_apply)  # ray.remote refuses builtins, so tasks go through a plain function
    refs = [remote.remote(fn, task) for task in tasks]
    index = {ref: i for i, ref in enumerate(refs)}
    out: list[R | BaseException | None] = [None] * len(tasks)
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        for ref in ready:
            try:
                out[index[ref]] = ray.get(ref)
            except Exception as exc:
                out[index[ref]] = exc
        if on_done:
            on_done(len(tasks) - len(pending), len(tasks))
    return [r for r in out if r is not None]
