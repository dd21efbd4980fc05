"""`make bench`: the figures of issue 6 on PostgreSQL and Redis, each beside its baseline.

Writes bench/results.json and bench/results.md; logs and scratch files go to bench/out/.
It works on a database of its own (heeljournal_bench, dropped and made again) and on Redis
databases 14 (cache) and 15 (broker), which it empties: tests and development data are
never touched. bench/README.md says what each figure means.
"""

import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"

env = os.environ.get
DATABASE_URL = env("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/heeljournal_bench")
CACHE_URL = env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BROKER_URL = env("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
USERS = int(env("BENCH_USERS", "10000"))  # the sweep runs at this population and at twice it
DAYS = int(env("BENCH_DAYS", "60"))
SEED = int(env("BENCH_SEED", "1"))
SECONDS = int(env("BENCH_SECONDS", "10"))  # each load test, after a warm-up of WARM_UP_SECONDS
WARM_UP_SECONDS = 2
# The three load tests run in interleaved rounds and each figure is its median round: a burst
# of other work on the machine then moves one round, not the figure.
ROUNDS = int(env("BENCH_ROUNDS", "5"))
CONNECTIONS = int(env("BENCH_CONNECTIONS", "16"))
LOAD_USERS = 200  # phones signed in during the load tests, one token each
RED_FLAG_USERS = 30
# A sweep runs as a worker of one process per core runs its tasks (docs/deploy.md).
SWEEP_PROCESSES = int(env("BENCH_SWEEP_PROCESSES", str(os.cpu_count())))
TREND_TIMEOUT = int(env("BENCH_TREND_TIMEOUT", "360"))  # past one periodic sweep (every 300 s)
PORT = int(env("BENCH_PORT", "8931"))  # the API; the bare app answers on the next port
URL, HELLO_URL = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{PORT + 1}"

# One process per core, and threads so that a worker waiting on PostgreSQL or Redis serves
# another request meanwhile; gthread also keeps connections alive, as a phone's HTTP client
# and a load balancer would (a sync worker closes every connection after one answer). A
# worker may hold its share of the load's connections and one per thread more (below that,
# gthread closes kept-alive connections): otherwise the first worker to wake could accept
# all of them for the whole run and leave the other core idle (seen: one worker at 94% CPU,
# the other at 0%, and the create figure moving 2x between runs).
WORKERS, THREADS = 2, 4
GUNICORN = ["--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS), "--keep-alive", "5"]
GUNICORN += ["--worker-connections", str(-(-CONNECTIONS // WORKERS) + THREADS)]
HELLO_APP = ["--bind", HELLO_URL[7:], "--pythonpath", str(BENCH), "hello_wsgi:application"]
# The least a create can do, without Django and in a plain Django view (bench/floor_create.py).
FLOOR_URL, DJANGO_FLOOR_URL = f"http://127.0.0.1:{PORT + 2}", f"http://127.0.0.1:{PORT + 3}"
FLOOR_APP = ["--bind", FLOOR_URL[7:], "--pythonpath", str(BENCH), "floor_create:application"]
DJANGO_FLOOR_APP = ["--bind", DJANGO_FLOOR_URL[7:], "--pythonpath", str(BENCH), "floor_create:django_application"]
DJANGO_APP = ["--bind", URL[7:], "heeljournal.wsgi:application"]
CELERY = [sys.executable, "-m", "celery", "-A", "heeljournal"]
# As the Procfile runs them: a worker of two processes, and beat with the schedule in the database.
WORKER = [*CELERY, "worker", "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
BEAT = [*CELERY, "beat", "--loglevel", "WARNING", "--pidfile", str(OUT / "celery-beat.pid")]

# The project's settings, as production sets them, pointed at the benchmark's own services.
SERVER_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": CACHE_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "SECRET_KEY": "bench-only-secret-key",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_URL": "dummymail://",  # alerts are planned and claimed; no mail server is part of a figure
    "LOG_LEVEL": "INFO",  # as production: a JSON line for each request, here into bench/out/
    # The per-device throttle stays on (its count is part of every request's token read), but
    # a load generator signed in as 200 users must not be answered 429.
    "API_RATE_PER_DEVICE": "1000000/min",
    "CELERY_TASK_ALWAYS_EAGER": "0",
}
ENV = {**os.environ, **SERVER_ENV, "PYTHONUNBUFFERED": "1"}

started = []  # every process this run started, stopped at the end whatever happens


# --- Services --------------------------------------------------------------------------------


DATABASE = urlsplit(DATABASE_URL).path.lstrip("/")
COPY = f"{DATABASE}_copy"  # where a timed sweep runs, so that each round starts from the same state


def database_url(name):
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path=f"/{name}"))


def admin(*statements):
    """Statements on the server's `postgres` database (making and dropping databases)."""
    with psycopg.connect(urlunsplit(urlsplit(DATABASE_URL)._replace(path="/postgres")), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def database_fresh(name=DATABASE):
    """Drop and make a benchmark database, then migrate it."""
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "--verbosity", "0", database=name)


def sql(statement, params=(), database=DATABASE):
    with psycopg.connect(database_url(database), autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def redis_empty(*urls):
    for url in urls:
        redis.Redis.from_url(url).flushdb()


def manage(*args, database=DATABASE):
    environment = ENV | {"DATABASE_URL": database_url(database)}
    subprocess.run([sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env=environment, check=True)


def inside(script, *args, database_url=DATABASE_URL):
    """Run a bench/ script in the project's Django, in a process of its own; its JSON answer."""
    command = [sys.executable, str(BENCH / script), *map(str, args)]
    environment = ENV | {"DATABASE_URL": database_url}
    done = subprocess.run(command, cwd=ROOT, env=environment, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def on_a_copy(template, script, *args):
    """Run a bench/ script on a fresh copy of a benchmark database, then drop the copy."""
    admin(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)', f'CREATE DATABASE "{COPY}" TEMPLATE "{template}"')
    try:
        return inside(script, *args, database_url=database_url(COPY))
    finally:
        admin(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
        redis_empty(BROKER_URL)  # the alerts it queued: no worker is there to send them


def median(results):
    """The median result by value, with every round's value beside it."""
    middle = sorted(results, key=lambda result: result["seconds" if "seconds" in result else "value"])
    chosen = middle[len(results) // 2]
    return chosen | {"rounds": [result.get("seconds", result.get("value")) for result in results]}


def start(name, command, ready):
    log = open(OUT / f"{name}.log", "w")
    process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    started.append(process)
    deadline = time.monotonic() + 60
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{name} did not start; see {OUT / name}.log")
        time.sleep(0.2)
    return process


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def gunicorn(name, app, url):
    def answers():
        try:
            return requests.get(f"{url}/", timeout=1).status_code < 500
        except requests.RequestException:  # not listening yet, or the last server still going away
            return False

    return start(name, [sys.executable, "-m", "gunicorn", *GUNICORN, "--log-level", "warning", *app], answers)


def celery_worker_answers():
    return (
        subprocess.run(
            [*CELERY, "inspect", "ping", "--timeout", "1"], cwd=ROOT, env=ENV, capture_output=True
        ).returncode
        == 0
    )


# --- Measurements ----------------------------------------------------------------------------


def wrk(server, url, mode, *args):
    """Requests a second with wrk after a warm-up, latencies in milliseconds, and the CPU time
    the server's workers spent on a request (which other work on the machine moves less)."""

    def load(seconds):
        command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(BENCH / "api.lua")]
        command += [f"{url}/", "--", mode, *map(str, args)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    load(WARM_UP_SECONDS)
    cpu_before = workers_cpu_seconds(server)
    (line,) = [line for line in load(SECONDS).splitlines() if line.startswith("RESULT ")]
    cpu = workers_cpu_seconds(server) - cpu_before
    result = json.loads(line.removeprefix("RESULT "))
    if result["non_2xx"] or result["socket_errors"]:
        raise SystemExit(f"wrk {mode}: {result['non_2xx']} error answers, {result['socket_errors']} socket errors")
    return {
        "value": round(result["requests"] / (result["duration_us"] / 1e6), 1),
        "p50_ms": round(result["p50_us"] / 1000, 2),
        "p99_ms": round(result["p99_us"] / 1000, 2),
        "cpu_ms_per_request": round(cpu * 1000 / result["requests"], 3),
    }


def workers_cpu_seconds(master):
    """User and system CPU time of a gunicorn master's workers, from /proc (Linux)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile
            continue
        if int(fields[1]) == master.pid:  # fields: state, parent id, ...; utime and stime at 11 and 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def timed(call, *args, **kwargs):
    """The answer of call(*args, **kwargs) and how long it took, in milliseconds."""
    began = time.perf_counter()
    response = call(*args, **kwargs)
    return response, (time.perf_counter() - began) * 1000


def spread(milliseconds):
    p99 = sorted(milliseconds)[math.ceil(0.99 * len(milliseconds)) - 1]
    return {"value": round(statistics.median(milliseconds), 2), "p99_ms": round(p99, 2), "samples": len(milliseconds)}


def episode(**fields):
    started_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return {"started_at": started_at, "side": "left", "locations": ["plantar"], "sensations": ["numbness"]} | {
        "severity": 4,
        **fields,
    }


def session(token):
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def sanity_check(token):
    """What the load tests ask for answers as it should, before anything is counted."""
    client = session(token)
    page = client.get(f"{URL}/api/v1/episodes/")
    if page.status_code != 200 or len(page.json()["results"]) != 50:
        raise SystemExit(f"the episode list does not answer a page of 50: {page.status_code} {page.text[:200]}")
    created = client.post(f"{URL}/api/v1/episodes/", json=episode())
    if created.status_code != 201:
        raise SystemExit(f"an episode is not created: {created.status_code} {created.text[:200]}")


def create_latency(tokens):
    """One phone at a time: how long a plain episode POST takes when nothing else runs."""
    times = []
    for token in tokens:
        response, ms = timed(session(token).post, f"{URL}/api/v1/episodes/", json=episode())
        assert response.status_code == 201, response.text
        times.append(ms)
    return spread(times)


def red_flag_latency(tokens):
    """A POST with foot weakness: on the answer the escalation is open and its alerts are in
    the outbox (written in the same transaction and delivered before the answer leaves)."""
    times, escalations = [], []
    for token in tokens:
        response, ms = timed(session(token).post, f"{URL}/api/v1/episodes/", json=episode(foot_weakness=True))
        escalation = response.json().get("escalation") or {}
        if response.status_code != 201 or escalation.get("level") != "urgent":
            raise SystemExit(f"a red flag was not escalated: {response.status_code} {response.text[:200]}")
        times.append(ms)
        escalations.append(escalation["id"])
    with_rows = sql(
        "SELECT count(DISTINCT escalation_id) FROM tracking_notification WHERE escalation_id = ANY(%s::uuid[])",
        (escalations,),
    )[0][0]
    return spread(times) | {"escalations_with_outbox_rows": with_rows}


def trend_latency(token):
    """Ten days of numbness posted through the API; seconds until GET escalations/ shows the
    persistent escalation, counted from the POST that made the rule hold."""
    client = session(token)
    now = datetime.now(UTC)
    for back in range(10):
        started_at = (now - timedelta(days=back, hours=1)).isoformat()
        response = client.post(f"{URL}/api/v1/episodes/", json=episode(started_at=started_at, severity=5))
        assert response.status_code == 201, response.text
    held = time.monotonic()
    while time.monotonic() - held < TREND_TIMEOUT:
        reasons = [item["reason"] for item in client.get(f"{URL}/api/v1/escalations/").json()["results"]]
        if "persistent" in reasons:
            return {"value": round(time.monotonic() - held, 2)}
        time.sleep(0.1)
    return {"value": None, "note": f"not visible after {TREND_TIMEOUT} s"}


# --- Phases ----------------------------------------------------------------------------------


def population_databases(users):
    """A population's database, and its copy as it was before its first sweep."""
    database = DATABASE if users == USERS else f"{DATABASE}_{users}"  # the API phase works on DATABASE
    return database, f"{database}_fresh"


def population_make(users):
    """A synthetic population in a database of its own. A copy is kept as it stands before its
    first sweep (everyone due, nothing open); then a first sweep, untimed, leaves the state a
    nightly sweep starts from."""
    print(f"sweep: {users} users, {DAYS} days", flush=True)
    database, fresh = population_databases(users)
    database_fresh(database)
    redis_empty(CACHE_URL, BROKER_URL)
    manage("make_synthetic", "--users", users, "--days", DAYS, "--seed", SEED, database=database)
    sql("VACUUM ANALYZE", database=database)  # as autovacuum would have, long before a nightly sweep
    admin(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)', f'CREATE DATABASE "{fresh}" TEMPLATE "{database}"')
    inside("sweep.py", "sweep", database_url=database_url(database))  # opens what the logs call for
    redis_empty(BROKER_URL)  # the alerts it queued: no worker is there to send them
    sql("VACUUM ANALYZE", database=database)  # a day of autovacuum (this server may run without it)
    episodes = sql("SELECT count(*) FROM tracking_episode", database=database)[0][0]
    return {"users": users, "database": database, "fresh": fresh, "episodes": episodes}


def sweep_phase(*sizes):
    """The populations, then their sweeps, each round on copies: the first sweep, and the next
    night's (windows move on, evidence changes), each round with its own SQL floor. The rounds
    alternate between the populations, so that the machine's drift moves all sizes alike and
    their growth is read within a round, as each ratio to the floor is."""
    runs, timed = [], [{"floor": [], "first": [], "nightly": [], "nightly_one_process": []} for _ in sizes]
    try:
        runs += [population_make(users) for users in sizes]
        for number in range(ROUNDS):
            for run, sweeps in list(zip(runs, timed, strict=True))[:: 1 if number % 2 == 0 else -1]:
                print(f"sweep: round {number + 1} of {ROUNDS}, {run['users']} users", flush=True)
                sweeps["floor"].append(inside("sweep.py", "floor", database_url=database_url(run["database"])))
                sweeps["first"].append(on_a_copy(run["fresh"], "sweep.py", "sweep", 0, SWEEP_PROCESSES))
                sweeps["nightly"].append(on_a_copy(run["database"], "sweep.py", "sweep", 1, SWEEP_PROCESSES))
                if run["users"] == USERS:  # what one process takes, for the record
                    sweeps["nightly_one_process"].append(on_a_copy(run["database"], "sweep.py", "sweep", 1, 1))
    finally:  # scratch databases, even when a sweep failed
        for users in sizes:
            database, fresh = population_databases(users)
            admin(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
            if database != DATABASE:
                admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    for run, sweeps in zip(runs, timed, strict=True):
        run |= {kind: median(results) for kind, results in sweeps.items() if results}
        every = sweeps["first"] + sweeps["nightly"]  # the worker's; the one-process rounds are for the record
        run |= {"peak_rss_mb": max(sweep["peak_rss_mb"] for sweep in every), "rss_before_mb": every[0]["rss_before_mb"]}
    return runs


def api_phase():
    """The request path under load, then one request at a time, then with a real worker."""
    print("api: load users and tokens", flush=True)
    redis_empty(CACHE_URL, BROKER_URL)
    users = inside("api_users.py", LOAD_USERS, RED_FLAG_USERS)
    token_file = OUT / "tokens.txt"
    token_file.write_text("\n".join(users["load"]) + "\n")
    started_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cache = redis.Redis.from_url(CACHE_URL)
    for secret, user_id in zip(users["load"], users["load_user_ids"], strict=True):
        cache.set(f"floor:token:{secret}", user_id)
    hello = gunicorn("gunicorn-hello", HELLO_APP, HELLO_URL)
    server = gunicorn("gunicorn-api", DJANGO_APP, URL)
    floor = gunicorn("gunicorn-floor", FLOOR_APP, FLOOR_URL)
    django_floor = gunicorn("gunicorn-django-floor", DJANGO_FLOOR_APP, DJANGO_FLOOR_URL)
    sanity_check(users["load"][0])
    loads = {
        "wsgi_hello_rps": (hello, HELLO_URL, "hello"),
        "api_list_episodes_rps": (server, URL, "list", token_file),  # a full page of 50, creates or not
        "api_create_episode_rps": (server, URL, "create", token_file, started_at),
        "floor_create_rps": (floor, FLOOR_URL, "create", token_file, started_at),
        "django_floor_create_rps": (django_floor, DJANGO_FLOOR_URL, "create", token_file, started_at),
    }
    rounds = {name: [] for name in loads}
    for number in range(ROUNDS):
        for name, load in loads.items():
            print(f"api: round {number + 1} of {ROUNDS}, {name}", flush=True)
            rounds[name].append(wrk(*load))
    for process in (hello, floor, django_floor):
        stop(process)
    figures = {"debounce_seconds": users["debounce_seconds"]}
    for name, results in rounds.items():
        figures[name] = median(results)
    figures["api_create_episode_ms"] = create_latency(users["load"][:RED_FLAG_USERS])
    figures["red_flag_to_outbox_ms"] = red_flag_latency(users["red_flag"])

    print("api: a trend, with a Celery worker and beat", flush=True)
    redis_empty(BROKER_URL)  # the evaluations the load tests queued would only delay this one
    worker = start("celery-worker", WORKER, celery_worker_answers)
    beat = start("celery-beat", BEAT, lambda: True)
    figures["trend_to_escalation_s"] = trend_latency(users["trend"])
    for process in (beat, worker, server):
        stop(process)
    return figures


# --- Results ---------------------------------------------------------------------------------


def figure(value, unit, *, baseline=None, of=None, ratio=None, target=None, at_least=None, at_most=None, **facts):
    """A figure beside its baseline (named, and its value `of`); pass or fail when it has a
    target, a bound on the ratio (value / baseline unless given)."""
    row = {"value": value, "unit": unit}
    if baseline is not None:
        ratio = ratio if ratio is not None else round(value / of, 4) if value and of else None
        row |= {"baseline": baseline, "baseline_value": of, "ratio": ratio}
    if target is not None:
        ratio = row.get("ratio")
        held = ratio is not None and (ratio >= at_least if at_least is not None else ratio <= at_most)
        row |= {"target": target, "pass": held}
    return row | facts


def growth(rows, name, small, large):
    """The larger population has twice the users: linear is 2x, and up to 2.3x passes. Each
    round timed both sizes within a minute or two; the ratio is the median of the rounds'."""
    pairs = zip(rows[f"{name}{large}"]["rounds"], rows[f"{name}{small}"]["rounds"], strict=True)
    ratio = round(statistics.median(larger / smaller for larger, smaller in pairs), 3)
    rows[f"{name}{large}"] |= {
        "growth": ratio,
        "growth_of": f"{name}{small}",
        "growth_target": "≤ 2.3× at twice the users",
        "growth_pass": ratio <= 2.3,
    }


def population(users):
    """The suffix of a sweep figure: _10k for 10,000 users."""
    return f"_{users // 1000}k" if users % 1000 == 0 else f"_{users}"


# (figure, the sweeps it reads, target): one process's sweep has none, it tells the work a process does.
SWEEP_FIGURES = [
    ("trend_sweep_seconds", "nightly", "≤ 3× sql_floor_seconds"),
    ("trend_sweep_first_seconds", "first", "≤ 3× sql_floor_seconds"),
    ("trend_sweep_one_process_seconds", "nightly_one_process", None),
]


def floor_ratios(sweep, run):
    """Each round's sweep over that round's floor, taken minutes apart at most: the machine's
    speed drifts between rounds more than within one."""
    return [round(seconds / floor, 4) for seconds, floor in zip(sweep["rounds"], run["floor"]["rounds"], strict=True)]


def load_facts(result):
    return {key: result[key] for key in ("p50_ms", "p99_ms", "cpu_ms_per_request", "rounds")}


def figures_of(api, small, large):
    hello = api["wsgi_hello_rps"]["value"]
    rows = {"wsgi_hello_rps": figure(hello, "req/s", **load_facts(api["wsgi_hello_rps"]))}
    shares = {"api_create_episode_rps": 0.12, "api_list_episodes_rps": 0.08}
    for name in ("api_create_episode_rps", "api_list_episodes_rps", "floor_create_rps", "django_floor_create_rps"):
        share = shares.get(name)  # the floors have no target: they tell what the stack leaves
        target = share and f"≥ {share:.0%} of wsgi_hello_rps"
        # Each round measures the bare app and the API within a minute: the ratio within a
        # round follows the machine's drift in speed, which moved whole runs by tens of percent.
        pairs = zip(api[name]["rounds"], api["wsgi_hello_rps"]["rounds"], strict=True)
        by_round = [round(rate / bare, 4) for rate, bare in pairs]
        rows[name] = figure(
            api[name]["value"],
            "req/s",
            baseline="wsgi_hello_rps",
            of=hello,
            ratio=statistics.median(by_round),
            target=target,
            at_least=share,
            ratio_by_round=by_round,
            **load_facts(api[name]),
        )
    for run in (small, large):
        k = population(run["users"])
        floor = run["floor"]["seconds"]
        rows[f"sql_floor_seconds{k}"] = figure(
            floor, "s", rows=run["floor"]["rows"], episodes=run["episodes"], rounds=run["floor"]["rounds"]
        )
        for name, kind, target in SWEEP_FIGURES:
            if kind not in run:  # the one-process sweep runs at the smaller population only
                continue
            sweep, by_round = run[kind], floor_ratios(run[kind], run)
            rows[f"{name}{k}"] = figure(
                sweep["seconds"],
                "s",
                baseline=f"sql_floor_seconds{k}",
                of=floor,
                ratio=statistics.median(by_round),
                target=target,
                at_most=3,
                ratio_by_round=by_round,
                processes=sweep["processes"],
                cpu_seconds=sweep["cpu_seconds"],
                users_evaluated=sweep["users"],
                open_escalations=sweep["open_escalations"],
                notifications=sweep["notifications"],
                rounds=sweep["rounds"],
            )
        rows[f"sweep_peak_rss_mb{k}"] = figure(run["peak_rss_mb"], "MB", rss_at_start_mb=run["rss_before_mb"])
    k, big = population(small["users"]), population(large["users"])
    growth(rows, "trend_sweep_seconds", k, big)
    growth(rows, "trend_sweep_first_seconds", k, big)
    rows[f"sweep_peak_rss_mb{big}"] = figure(
        rows[f"sweep_peak_rss_mb{big}"]["value"],
        "MB",
        baseline=f"sweep_peak_rss_mb{k}",
        of=rows[f"sweep_peak_rss_mb{k}"]["value"],
        target="≤ 1.2× (flat in the population)",
        at_most=1.2,
        rss_at_start_mb=rows[f"sweep_peak_rss_mb{big}"]["rss_at_start_mb"],
    )
    plain, red_flag, trend = api["api_create_episode_ms"], api["red_flag_to_outbox_ms"], api["trend_to_escalation_s"]
    rows["api_create_episode_ms"] = figure(plain["value"], "ms (p50, one at a time)", p99_ms=plain["p99_ms"])
    rows["red_flag_to_outbox_ms"] = figure(
        red_flag["value"],
        "ms (p50, one at a time)",
        baseline="api_create_episode_ms",
        of=plain["value"],
        **{key: value for key, value in red_flag.items() if key != "value"},
    )
    rows["trend_to_escalation_s"] = figure(
        trend["value"],
        "s",
        baseline="TREND_DEBOUNCE_SECONDS",
        of=api["debounce_seconds"],
        **{key: value for key, value in trend.items() if key != "value"},
    )
    rows["trend_to_escalation_s"] |= {"target": "≤ 10 s", "pass": trend["value"] is not None and trend["value"] <= 10}
    return rows


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def run_facts():
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1]
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": sql("SHOW server_version")[0][0].split()[0],
        "autovacuum": sql("SHOW autovacuum")[0][0],
        "redis": redis.Redis.from_url(CACHE_URL).info()["redis_version"],
        "gunicorn": " ".join(GUNICORN),
        "wrk": f"wrk {wrk_version} -t2 -c{CONNECTIONS}; {ROUNDS} interleaved rounds of {WARM_UP_SECONDS} s warm-up"
        f" and {SECONDS} s measured, the median round",
        "population": f"{USERS} and {2 * USERS} users, {DAYS} days, seed {SEED}",
    }


def markdown(facts, rows):
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` at {facts['at']}, commit {facts['commit']}"
        + (" (with uncommitted changes)" if facts["uncommitted_changes"] else "")
        + f"; {facts['cpus']} cores, Python {facts['python']}, PostgreSQL {facts['postgresql']}"
        + f" (autovacuum {facts['autovacuum']}), Redis {facts['redis']}.",
        f"gunicorn {facts['gunicorn']}; {facts['wrk']}. Population: {facts['population']}; sweep batches of"
        f" {facts['sweep_batch_size']}, in a worker of {facts['sweep_processes']} processes."
        " What each figure means: bench/README.md.",
        "",
        "| figure | value | baseline | ratio | target | result |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        value = "not reached" if row["value"] is None else f"{row['value']:,} {row['unit']}"
        if "p50_ms" in row:
            value += f"; p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms; {row['cpu_ms_per_request']} CPU ms a request"
        baseline = f"`{row['baseline']}` {row['baseline_value']:,}" if "baseline" in row else ""
        ratio = row.get("ratio")
        ratio = "" if ratio is None else f"{ratio:.1%}" if row["unit"] == "req/s" else f"{ratio:.2f}×"
        target, result = row.get("target", ""), verdict(row.get("pass"))
        if "growth" in row:
            ratio += f"; {row['growth']:.2f}× `{row['growth_of']}`"
            target += f"; {row['growth_target']}"
            result += f"; growth {verdict(row['growth_pass'])}"
        lines.append(f"| `{name}` | {value} | {baseline} | {ratio} | {target} | {result} |")
    return "\n".join(lines) + "\n"


def verdict(held):
    return {True: "pass", False: "**fail**"}.get(held, "")


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does)")
    OUT.mkdir(exist_ok=True)
    try:
        large, small = sweep_phase(2 * USERS, USERS)  # the API phase runs on the smaller
        api = api_phase()
    finally:
        for process in started:
            stop(process)
    facts = run_facts() | {"sweep_batch_size": small["first"]["batch_size"], "sweep_processes": SWEEP_PROCESSES}
    rows = figures_of(api, small, large)
    document = {"run": facts, "figures": rows}
    (BENCH / "results.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    (BENCH / "results.md").write_text(markdown(facts, rows))
    print((BENCH / "results.md").read_text())


if __name__ == "__main__":
    main()
