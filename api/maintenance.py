"""The service's daily maintenance job: `api.usecases.leavers.run_maintenance` in a
background thread, every `Settings.maintenance_interval_hours` (0: never), the first run one
interval (at most an hour) after start. A failed run is logged (no personal data: the
exception's type and message name ids and counts only) and retried at the next interval."""

from __future__ import annotations

import logging
import threading

from api.state import AppState
from api.usecases.leavers import MaintenanceReport, run_maintenance

log = logging.getLogger("mentorgraph.maintenance")

ACTOR = "maintenance"
FIRST_RUN_AT_MOST_S = 3600.0


class MaintenanceJob:
    """Start with `start()`, stop with `stop()` (waits for a run in progress)."""

    def __init__(self, state: AppState, interval_hours: float) -> None:
        self.state = state
        self.interval_s = interval_hours * 3600.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: MaintenanceReport | None = None

    def start(self) -> None:
        if self.interval_s <= 0:
            return
        self._thread = threading.Thread(target=self._loop, name="mg-maintenance", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def run_once(self) -> MaintenanceReport:
        self.last = run_maintenance(self.state, ACTOR)
        log.info("maintenance: %s", self.last.as_dict())
        return self.last

    def _loop(self) -> None:
        wait = min(self.interval_s, FIRST_RUN_AT_MOST_S)
        while not self._stop.wait(wait):
            try:
                self.run_once()
            except Exception as exc:
                log.error("maintenance failed: %s: %s", type(exc).__name__, exc)
            wait = self.interval_s
