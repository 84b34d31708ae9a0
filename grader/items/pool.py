"""Grading many candidates' practical files in worker processes, for bulk grading (a session, a regrade, an audit).

Reading an uploaded file is the one costly part of grading (about a millisecond per file; the choice items
of a whole session take a tenth of a second), and it is a pure function of (item, file bytes). So the
distinct (item, file) pairs of many attempts can be graded in parallel, up front, into a ``CachedFiles``
memo; ``grade``/``CompiledExam.grade`` then find every file's rubric result there and only look it up.
The results are the very values the sequential path computes (same function, same inputs): a pool
changes the time it takes, never a score.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from grader.files import CachedFiles, Files
from grader.items.base import rule_for
from grader.items.practical import PracticalRule
from grader.model import ExamSpec, ItemSpec, RubricLineResult

Graded = tuple[tuple[RubricLineResult, ...], str]
_ITEMS: dict[str, ItemSpec] = {}
_INHERITED: Files | None = None
"""The files, when workers are forked: they read the bytes from the memory they share, none are sent."""


def _start(items: dict[str, ItemSpec]) -> None:
    _ITEMS.clear()
    _ITEMS.update(items)


def _grade(task: tuple[str, str, bytes | None]) -> Graded:
    code, sha, data = task
    if data is None and _INHERITED is not None:
        data = _raw(_INHERITED, sha)
    item = _ITEMS[code]
    rule = rule_for(item.kind)
    assert isinstance(rule, PracticalRule)
    # The bytes are hashed again here (``fetch``), in the worker: a store that handed out other bytes
    # gives "upload.missing", exactly as in-process grading would.
    return rule.grade_file(item, sha, {sha: data} if data is not None else {})


def pregrade(
    exam: ExamSpec,
    attempts: Iterable[Mapping[str, object]],
    files: Files,
    *,
    workers: int | None = None,
    start_method: str | None = None,
    chunksize: int = 8,
) -> CachedFiles:
    """A ``CachedFiles`` over ``files`` holding the rubric result of every file the ``attempts`` name.

    ``workers`` processes (default: the CPU count) grade the distinct (item, file) pairs; with one worker,
    or a single file, they are graded here. Grade the attempts with the returned store afterwards.
    ``start_method`` is multiprocessing's. By default workers are forked when that is safe (a
    single-threaded program on a system with fork: they then read the files from shared memory), else
    started by a fork server, and the files' bytes are sent to them.
    """
    rules: dict[str, PracticalRule] = {}
    items: dict[str, ItemSpec] = {}
    for item in exam.items:
        rule = rule_for(item.kind)
        if isinstance(rule, PracticalRule):
            rules[item.code], items[item.code] = rule, item
    tasks: dict[tuple[str, str], None] = {}
    for responses in attempts:
        for code in items:
            value = responses.get(code)
            if isinstance(value, dict) and isinstance(value.get("sha256"), str):
                tasks.setdefault((code, value["sha256"]), None)
    cached = CachedFiles(files, max_entries=2 * len(tasks) + 512)
    count = min(workers or os.cpu_count() or 1, len(tasks))
    if count <= 1:
        results: list[Graded] = [rules[code].grade_file(items[code], sha, files) for code, sha in tasks]
    else:
        method = start_method or _safe_start_method()
        jobs = [(code, sha, None if method == "fork" else _raw(files, sha)) for code, sha in tasks]
        global _INHERITED
        _INHERITED = files if method == "fork" else None
        try:
            context = multiprocessing.get_context(method)
            with ProcessPoolExecutor(count, mp_context=context, initializer=_start, initargs=(items,)) as pool:
                results = list(pool.map(_grade, jobs, chunksize=chunksize))
        finally:
            _INHERITED = None
    for (code, sha), graded in zip(tasks, results, strict=True):
        cached.memo(sha, rules[code].memo_key(items[code]), _constant(graded))
    return cached


def _safe_start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _raw(files: Files, sha: str) -> bytes | None:
    data: Any = files.get(sha)
    return data if isinstance(data, bytes) else None


def _constant(value: Graded) -> Any:
    return lambda: value
