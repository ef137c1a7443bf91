# Runs end with their last job: Snakemake 9.27's job rate limiter (default 100 jobs per 1 s)
# starts a non-daemon 1 s threading.Timer on every scheduling round, and Python waits for them
# at exit, which adds up to a second to every run after its last job. They only wake the
# finished scheduler, so cancelling them is safe. Only for the Snakemake versions measured to
# need it (9.x); later versions skip it. Test: tests/test_workflow.py (scheduler timers).
import threading

from packaging.version import Version
from snakemake import __version__ as SNAKEMAKE_VERSION

TIMER_WORKAROUND = Version("9.27") <= Version(SNAKEMAKE_VERSION) < Version("10")


def release_scheduler_timers():
    """Cancel the job scheduler's pending wake-up timers once the run is over."""
    if not TIMER_WORKAROUND:
        return
    for thread in threading.enumerate():
        function = getattr(thread, "function", None)
        if isinstance(thread, threading.Timer) and getattr(
            function, "__module__", ""
        ).startswith("snakemake.scheduling"):
            thread.cancel()


onsuccess:
    release_scheduler_timers()


onerror:
    release_scheduler_timers()
