"""One trend sweep as production runs it, or the SQL floor beside it; prints one JSON line.

    python bench/sweep.py sweep [days later] [processes]   # the sweep's tasks, in a worker of N processes
    python bench/sweep.py floor                            # one bare aggregate pass over the rows the sweep reads

Run each in a fresh process (bench/run.py does). A sweep runs as a Celery worker of
`processes` processes runs its tasks (docs/deploy.md: one per core): the first claims the
due users batch by batch, as `sweep_trends` does, and hands each batch on as a task; every
process evaluates batches as they come, as `evaluate_trend_batch` does, with
`users_evaluate`. The processes start as warm as a worker's, and the clock runs from when all
are ready until the last batch is recorded. `days later` moves the clock the functions are
given (the next night is 1): users then come due as in production, at their own local
midnight, and the rules' windows move on.
"""

import json
import multiprocessing
import os
import queue
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heeljournal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from tracking.evaluation import due_batches, users_evaluate  # noqa: E402
from tracking.models import Episode, Escalation, Notification  # noqa: E402
from tracking.trends import Rules, bounds_of  # noqa: E402


def peak_rss_mb():
    """This process's peak resident memory, from its start: unlike getrusage's, the kernel's
    peak (VmHWM) starts anew at exec, so a spawned process does not report its parent's."""
    status = Path("/proc/self/status").read_text()
    return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)  # in KiB


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_warm():
    """What a Celery worker's process has done before its first task, and a sweep's first
    batch would otherwise pay (about 0.2 s): import the tasks, connect to the broker, and
    start as worker_process_init starts it."""
    from heeljournal.celery import app, startup_objects_freeze

    app.loader.import_default_modules()
    with app.producer_pool.acquire(block=True) as producer:
        producer.connection.default_channel.client.ping()
    startup_objects_freeze()


def sweep(days_later=0, processes=1):
    processes = int(processes)
    context = multiprocessing.get_context("spawn")  # each process its own, as a worker's are
    batches, results, go = context.Queue(), context.Queue(), context.Event()
    now = timezone.now() + timedelta(days=int(days_later))
    workers = [  # daemons: should one fail, the others (waiting for batches) end with this process
        context.Process(target=worker, args=(number == 0, processes, now, batches, results, go), daemon=True)
        for number in range(processes)
    ]
    for process in workers:
        process.start()
    _gather(results, workers, timeout=120)  # each says it is warm
    go.set()
    began = time.perf_counter()
    each = _gather(results, workers, timeout=600)
    seconds = time.perf_counter() - began
    for process in workers:
        process.join()
    return {
        "seconds": round(seconds, 3),
        "processes": processes,
        "cpu_seconds": round(sum(one["cpu_seconds"] for one in each), 3),  # the processes'; PostgreSQL's not
        "users": sum(one["users"] for one in each),  # claimed (an inactive user is claimed, not evaluated)
        "batches": sum(one["batches"] for one in each),
        "batch_size": settings.TREND_SWEEP_BATCH_SIZE,
        "rss_before_mb": max(one["rss_before_mb"] for one in each),
        "peak_rss_mb": max(one["peak_rss_mb"] for one in each),
        "open_escalations": Escalation.objects.filter(closed_at__isnull=True).count(),
        "notifications": Notification.objects.count(),
    }


def _gather(results, workers, *, timeout):
    """A message from each process; a process that fails stops the run (its error is above it)."""
    deadline, gathered = time.monotonic() + timeout, []
    while len(gathered) < len(workers):
        try:
            gathered.append(results.get(timeout=1))
        except queue.Empty:
            if any(process.exitcode for process in workers):
                raise SystemExit("a sweep process failed (its error is above)") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"the sweep's processes did not answer within {timeout} s") from None
    return gathered


def worker(claims, processes, now, batches, results, go):
    """One process of the worker: the first also claims, as the sweep_trends task would run in one."""
    worker_warm()
    rss_before = peak_rss_mb()
    results.put("warm")
    go.wait()
    cpu_before = cpu_seconds()
    if claims:
        for ids in due_batches(now=now):  # as sweep_trends claims them
            batches.put(ids)
        for _ in range(processes):
            batches.put(None)  # no more: each process stops at one
    users = count = 0
    while (ids := batches.get()) is not None:
        users_evaluate(user_ids=ids, now=now)
        users, count = users + len(ids), count + 1
    results.put(
        {
            "cpu_seconds": cpu_seconds() - cpu_before,
            "users": users,
            "batches": count,
            "rss_before_mb": rss_before,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


# The daily figures tracking.selectors.rule_windows sums, for every user at once, with nothing around it.
FLOOR_SQL = f"""
    SELECT user_id, local_date, count(*), max(severity), max(pain),
           count(*) FILTER (WHERE side = 'both'), count(*) FILTER (WHERE radiates_from_back),
           count(*) FILTER (WHERE bowel_bladder_change), count(*) FILTER (WHERE foot_weakness),
           count(*) FILTER (WHERE sudden_onset AND severity >= %s)
    FROM {Episode._meta.db_table}
    WHERE deleted_at IS NULL AND local_date >= %s
    GROUP BY user_id, local_date
"""


def floor(runs=5):
    """The best of a few runs (the first also warms the cache for the sweep that follows)."""
    rules, now = Rules.from_settings(), timezone.now()
    zones = User.objects.values_list("timezone", flat=True).distinct()
    first_day = bounds_of(min(now.astimezone(User(timezone=zone).zone).date() for zone in zones), rules).horizon
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [rules.sudden_severe_min_severity, first_day])
            rows = cursor.fetchall()
        timings.append(time.perf_counter() - began)
    return {"seconds": round(min(timings), 3), "rows": len(rows), "first_day": first_day.isoformat()}


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "sweep"
    print(json.dumps({"sweep": sweep, "floor": floor}[what](*sys.argv[2:])))
