"""Following a study while it runs: bars, counts, heartbeat, and a periodic hook.

Each run writes its own ``progress.json`` (`trainlab.run.progress`); the driver's
`StudyProgress` reads the files of the runs in flight (so it works for any local
worker process, with no channel between them), draws one bar per running job
under the overall bar, keeps the counts of completed / failed / skipped runs
current, and calls a hook (the live HTML report) every few seconds.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

from trainlab.run import rundir
from trainlab.run.identity import Run
from trainlab.run.status import DIVERGED, FAILED, why_it_ended
from trainlab.study import studydir
from trainlab.study.spec import Study

POLL_EVERY_S = 0.5  # the driver's look at the runs in flight
TICK_EVERY_S = 5.0  # the live report's refresh from the driver


class StudyProgress:
    """The driver's view of a running study: bars, counts, heartbeat and a periodic hook.

    Use as a context manager around the executor; call `finished` from its result
    callback. A background thread polls the runs in flight.
    """

    def __init__(
        self,
        study: Study,
        out: Path,
        todo: list[Run],
        *,
        skipped: int,
        show: bool,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.out = Path(out)
        self.todo = {run.name: run for run in todo}
        self.counts: collections.Counter[str] = collections.Counter()
        if skipped:
            self.counts["skipped"] = skipped
        self.show = show
        self.on_tick = on_tick
        self._done: set[str] = set()
        self._tick_failed = False
        self._bars: dict[str, tqdm] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self.bar = tqdm(total=len(study.runs), initial=skipped, desc=study.name, unit="run",
                        disable=not show, dynamic_ncols=True, position=0)  # fmt: skip
        self._postfix()

    def __enter__(self) -> StudyProgress:
        studydir.write_heartbeat(self.out, os.getpid())
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        with self._lock:
            for bar in self._bars.values():
                bar.close()
            self.bar.close()
        studydir.clear_heartbeat(self.out)

    def finished(self, run: Run, meta: dict) -> None:
        """A run ended: count it, drop its bar, say why if it failed."""
        with self._lock:
            self._done.add(run.name)
            self.counts[meta["status"]] += 1
            bar = self._bars.pop(run.name, None)
            if bar is not None:
                bar.close()
            self.bar.update(1)
            self._postfix()
            if meta["status"] in (FAILED, DIVERGED):
                self.bar.write(f"{run.name}: {meta['status']}: {why_it_ended(meta)}")

    def summary(self) -> str:
        """The counts in words, e.g. "3 completed, 1 failed, 2 skipped (already complete)"."""
        words = {"skipped": "skipped (already complete)"}
        return ", ".join(f"{n} {words.get(s, s)}" for s, n in self.counts.items() if n)

    def _postfix(self) -> None:
        self.bar.set_postfix_str(self.summary(), refresh=False)

    def _poll(self) -> None:
        last_tick = time.monotonic()
        while not self._stop.wait(POLL_EVERY_S):
            self._update_bars()
            self.bar.refresh()
            if time.monotonic() - last_tick >= TICK_EVERY_S:
                last_tick = time.monotonic()
                studydir.write_heartbeat(self.out, os.getpid())
                if self.on_tick is not None:
                    self._tick()

    def _tick(self) -> None:
        """The periodic hook; its failure is reported once and must not stop the bars and
        the heartbeat (the final report, written after the study, raises as usual)."""
        try:
            self.on_tick()
        except Exception as exc:  # noqa: BLE001 - a live page is a convenience, not the study
            if not self._tick_failed:
                self._tick_failed = True
                self.bar.write(f"live report not updated: {type(exc).__name__}: {exc}")

    def _update_bars(self) -> None:
        if not self.show:
            return
        with self._lock:
            for name in self.todo:
                if name in self._done:
                    continue
                progress = rundir.read_progress(rundir.run_dir(self.out, name))
                if progress is None:
                    continue
                bar = self._bars.get(name)
                if bar is None:
                    bar = self._bars[name] = tqdm(
                        total=progress.get("planned_steps"), desc=f"  {name}", unit="step",
                        leave=False, position=len(self._bars) + 1, dynamic_ncols=True,
                    )  # fmt: skip
                bar.n = progress.get("step", 0)
                loss = progress.get("train_loss")
                if loss is not None:
                    bar.set_postfix_str(f"loss {loss:.4g}", refresh=False)
                bar.refresh()
