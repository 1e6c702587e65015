#!/usr/bin/env python3
"""Latency benchmark of the add-on's endpoints at 10k, 100k and 1M contacts, ours vs Odoo's
``mail_plugin``, on identically seeded databases. See bench/README.md.

Run with the project's virtualenv python (it has requests, psycopg2 and matplotlib):
    $VENV_DIR/bin/python bench/run.py --sizes 10k,100k --impls ours,ref
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(
    os.environ.get("MAIL_PLUGIN_GMAIL_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mail_plugin_gmail"
)
BASE_MODULES = "base_setup,mail,contacts,iap_mail"
APPS = "crm,project"
IMPLS = {
    # name: (modules, authenticated route that does no work of its own)
    "ours": ("mail_plugin_gmail", "/mail_plugin/get_translations"),
    "ref": ("mail_plugin,crm_mail_plugin,project_mail_plugin", "/mail_client_extension/modules/get"),
}
# Attachment size limit of the module on the bench databases (the 40 MB case passes its default).
MAX_ATTACHMENT_MB = 64
LOG_RE = re.compile(r'"POST (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+) ([\d.]+) ([\d.]+)\s*$')


def say(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_size(text):
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def size_label(n):
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


# --- PostgreSQL ------------------------------------------------------------------------------
def db_env():
    env = {}
    # scripts/common.sh names the file after a hash of the checkout's path.
    tag = hashlib.sha1(str(REPO).encode()).hexdigest()[:8]
    env_file = CACHE / f"env-{tag}.sh"
    if not env_file.exists():
        sys.exit(f"no {env_file}: run scripts/setup first (with MAIL_PLUGIN_GMAIL_CACHE set as here)")
    for line in env_file.read_text().splitlines():
        key, _sep, value = line.partition("=")
        env[key] = shlex.split(value)[0] if value else ""
    return env


ENV = db_env()


def connect(dbname, autocommit=True):
    cnx = psycopg2.connect(
        dbname=dbname,
        host=ENV["DB_HOST"] or None,
        port=ENV["DB_PORT"],
        user=ENV["DB_USER"],
        password=ENV["DB_PASSWORD"],
    )
    cnx.autocommit = autocommit
    return cnx


@contextmanager
def cursor(dbname):
    """An autocommit cursor (psycopg2's ``with connection`` would open a transaction)."""
    cnx = connect(dbname)
    try:
        with cnx.cursor() as cr:
            yield cr
    finally:
        cnx.close()


def db_exists(name):
    with cursor("postgres") as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def _on_postgres(statement):
    """Run a database-level statement (CREATE/DROP DATABASE) on the maintenance database."""
    cnx = connect("postgres")
    try:
        with cnx.cursor() as cr:
            cr.execute(statement)
    finally:
        cnx.close()


def create_from_template(name, template):
    _on_postgres(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def drop_db(name):
    _on_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def odoo(*args, stdin=None):
    """odoo-bin with the project's configuration (a sub-command such as shell comes first)."""
    command = [f"{ENV['VENV_DIR']}/bin/python", f"{ENV['ODOO_SRC']}/odoo-bin"]
    if args and not args[0].startswith("-"):
        command.append(args[0])
        args = args[1:]
    command += ["-c", ENV["ODOO_RC"], *args]
    proc = subprocess.run(command, input=stdin, text=True, capture_output=True, check=False)
    if proc.returncode:
        sys.exit(f"failed: {shlex.join(command)}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


# --- Databases: base -> seeded template -> one per implementation -----------------------------
PROJECTS_SCRIPT = """
projects = env['project.project'].search([])
if not projects:
    stages = env['project.task.type'].create([{'name': n} for n in ('To Do', 'Doing', 'Done')])
    env['project.project'].create(
        [{'name': 'Project %d' % i, 'type_ids': [(6, 0, stages.ids)]} for i in range(1, 21)]
    )
env.cr.commit()
"""


def ensure_base(prefix):
    name = f"{prefix}base"
    if not db_exists(name):
        say(f"creating {name} ({BASE_MODULES},{APPS})")
        odoo("-d", name, "-i", f"{BASE_MODULES},{APPS}", "--stop-after-init", "--no-http", "--log-level=warn")
    odoo("shell", "-d", name, "--no-http", "--log-level=warn", stdin=PROJECTS_SCRIPT)
    return name


def _table_indexes(cr, table):
    """(name, definition) of a table's secondary indexes."""
    cr.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = %s AND i.indexname NOT IN (
                  SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""",
        [table, table],
    )
    return cr.fetchall()


def ensure_seeded(prefix, n):
    """N contacts, N leads, N tasks. The leads' and tasks' indexes are dropped during the load
    and rebuilt after it (a GIN trigram index maintained row by row would take much longer)."""
    name = f"{prefix}seed_{size_label(n)}"
    if db_exists(name):
        return name
    base = ensure_base(prefix)
    say(f"seeding {name} with {n} contacts, leads and tasks")
    create_from_template(name, base)
    start = time.monotonic()
    try:
        with cursor(name) as cr:
            cr.execute("SET maintenance_work_mem = '512MB'")
            indexes = _table_indexes(cr, "crm_lead") + _table_indexes(cr, "project_task")
            for index_name, _definition in indexes:
                cr.execute(f'DROP INDEX "{index_name}"')
            cr.execute(seed.seed_sql(n))
            say(f"{name}: contacts in {time.monotonic() - start:.1f}s")
            cr.execute(seed.records_sql(n, n, n))
            say(f"{name}: leads and tasks in {time.monotonic() - start:.1f}s")
            cr.execute(seed.cleanup_sql())
            for _index_name, definition in indexes:
                cr.execute(definition)
            say(f"{name}: indexes in {time.monotonic() - start:.1f}s")
            for table in ("res_partner", "crm_lead", "project_task"):
                cr.execute(f"VACUUM ANALYZE {table}")
    except BaseException:
        drop_db(name)
        raise
    say(f"seeded {name} in {time.monotonic() - start:.1f}s")
    return name


def ensure_impl_db(prefix, impl, n, fresh=False, tag=""):
    name = f"{prefix}{impl}{tag}_{size_label(n)}"
    if fresh:
        drop_db(name)
    if db_exists(name):
        return name
    template = ensure_seeded(prefix, n)
    create_from_template(name, template)
    try:
        _install(name, impl)
    except BaseException:
        drop_db(name)
        raise
    return name


def _install(name, impl):
    module = IMPLS[impl][0]
    say(f"installing {module} on {name}")
    start = time.monotonic()
    logfile = CACHE / f"install-{name}.log"
    logfile.unlink(missing_ok=True)
    odoo(
        "-d",
        name,
        "-i",
        module,
        "--stop-after-init",
        "--no-http",
        "--log-level=info",
        "--logfile",
        str(logfile),
    )
    install_seconds = time.monotonic() - start
    say(f"installed {module} on {name} in {install_seconds:.1f}s")
    script = f"""
ICP = env['ir.config_parameter'].sudo()
ICP.set_param('mail_plugin_gmail.enabled', True)
ICP.set_param('iap.endpoint', 'http://127.0.0.1:9')  # never reach IAP from a benchmark
ICP.set_param('mail_plugin_gmail.max_attachment_mb', {MAX_ATTACHMENT_MB})
user = env.ref('base.user_admin')
if {impl!r} == 'ours':
    _conn, key = env['mail.plugin.connection']._create_for_user(user, 'bench')
else:
    key = env['res.users.apikeys'].with_user(user)._generate('odoo.plugin.outlook', 'bench')
ICP.set_param('bench.token', key)
ICP.set_param('bench.install_seconds', {install_seconds!r})
env.cr.commit()
"""
    odoo("shell", "-d", name, "--no-http", "--log-level=warn", stdin=script)
    with cursor(name) as cr:
        for table in ("res_partner", "crm_lead", "project_task"):
            cr.execute(f"VACUUM ANALYZE {table}")


def bench_inputs(dbname, count):
    """Sample senders from the seeded data (same for every implementation of one size):
    ordinary known people (at a company, with a few leads and tasks), companies (their domain),
    the three contacts with many opportunities and the company with many contacts."""
    with cursor(dbname) as cr:
        cr.execute("SELECT key, value FROM ir_config_parameter WHERE key LIKE 'bench.%'")
        params = dict(cr.fetchall())
        big_company = int(params["bench.big_company_id"])
        heavy_ids = [int(x) for x in params["bench.heavy_ids"].split(",")]
        cr.execute("SELECT MIN(id), MAX(id) FROM res_partner WHERE email LIKE '%@%'")
        low, high = cr.fetchone()
        cr.execute("SELECT count(*) FROM crm_lead")
        lead_step = max(1, cr.fetchone()[0] // (count * 6))
        cr.execute(
            """SELECT DISTINCT p.id, p.name, p.email FROM crm_lead l
                 JOIN res_partner p ON p.id = l.partner_id
                WHERE l.id %% %s = 0 AND NOT p.is_company AND p.parent_id IS NOT NULL
                  AND p.parent_id <> %s AND p.id <> ALL(%s)
                ORDER BY p.id""",
            [lead_step, big_company, heavy_ids],
        )
        rows = cr.fetchall()
        known = rows[:: max(1, len(rows) // count)][:count]  # spread over the whole id range
        cr.execute(
            """SELECT id, name, split_part(email, '@', 2) FROM res_partner
                WHERE is_company AND id BETWEEN %s AND %s AND (id - %s) %% 7 = 0
                ORDER BY id LIMIT %s""",
            [low, high, low, count],
        )
        companies = cr.fetchall()
        cr.execute("SELECT id, name, email FROM res_partner WHERE id = ANY(%s) ORDER BY id", [heavy_ids])
        heavy = cr.fetchall()
        cr.execute("SELECT id, name, email FROM res_partner WHERE id = %s", [big_company])
        big = cr.fetchall()
        cr.execute("SELECT count(*) FROM crm_lead WHERE partner_id = %s", [heavy_ids[0]])
        params["heavy_leads"] = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM res_partner WHERE parent_id = %s", [big_company])
        params["big_company_people"] = cr.fetchone()[0]
    return params, {"known": known, "companies": companies, "heavy": heavy, "big": big}


def wait_for_usable_index(dbname, timeout=180):
    """A freshly built index may be ignored (pg_index.indcheckxmin) while a transaction older
    than it is open anywhere on the cluster: measure once PostgreSQL really uses it."""
    deadline = time.monotonic() + timeout
    while True:
        with cursor(dbname) as cr:
            cr.execute("SET enable_seqscan = off")
            cr.execute("EXPLAIN SELECT id FROM res_partner WHERE email_normalized = 'x@example.com'")
            plan = " ".join(row[0] for row in cr.fetchall())
        if "Seq Scan" not in plan:
            return True
        if time.monotonic() > deadline:
            say(f"WARNING {dbname}: email_normalized lookup still not indexed (old transaction open?)")
            return False
        time.sleep(5)


def settle_database(dbname, timeout=180):
    """Put the database in the same state before every run: wait until no autovacuum worker
    runs on it (a previous run's writes are vacuumed about a minute later, which on two cores
    shows as spikes), then move the entries that earlier runs' inserts (lead/create) left in
    the pending lists of the GIN indexes into the indexes proper, as a vacuum would. A 1M
    table is vacuumed for inserts only after 200,000 of them, and every trigram search reads
    those lists whole: left alone, each run's searches would be slower than the last's.
    Returns (seconds waited, pending pages merged)."""
    start = time.monotonic()
    quiet = 0
    while quiet < 2 and time.monotonic() - start < timeout:
        with cursor(dbname) as cr:
            cr.execute(
                """SELECT count(*) FROM pg_stat_activity
                    WHERE backend_type = 'autovacuum worker' AND datname = %s""",
                [dbname],
            )
            busy = cr.fetchone()[0]
        quiet = 0 if busy else quiet + 1
        time.sleep(2)
    with cursor(dbname) as cr:
        cr.execute(
            """SELECT COALESCE(SUM(gin_clean_pending_list(c.oid)), 0)
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 JOIN pg_am a ON a.oid = c.relam
                WHERE a.amname = 'gin' AND i.indisvalid AND c.relnamespace = 'public'::regnamespace"""
        )
        merged = int(cr.fetchone()[0])
    return round(time.monotonic() - start, 1), merged


# --- Odoo server -------------------------------------------------------------------------------
class Server:
    def __init__(self, dbname, port, workers, logfile):
        self.dbname, self.port, self.workers, self.logfile = dbname, port, workers, logfile
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self):
        self.logfile.unlink(missing_ok=True)
        args = [
            f"{ENV['VENV_DIR']}/bin/python",
            f"{ENV['ODOO_SRC']}/odoo-bin",
            "-c",
            ENV["ODOO_RC"],
            # -d alone (no --db-filter): Odoo then serves that database without listing them
            # on every request, as a single-database deployment does.
            "-d",
            self.dbname,
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--logfile",
            str(self.logfile),
            "--log-level",
            "warn",
            "--log-handler",
            "werkzeug:INFO",
            "--max-cron-threads",
            "0",
            "--workers",
            str(self.workers),
        ]
        if self.workers:
            args += ["--limit-time-real", "600", "--limit-time-cpu", "600"]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"odoo exited ({self.proc.returncode}); see {self.logfile}")
            try:
                requests.post(self.url + "/web/webclient/version_info", json={"params": {}}, timeout=5)
                return self
            except requests.RequestException:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError("odoo did not answer within 120 s")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session only
                self.proc.wait(10)

    def log_size(self):
        return self.logfile.stat().st_size if self.logfile.exists() else 0

    def log_lines(self, offset, path):
        """(status, queries, server seconds) of the request lines for ``path`` after ``offset``."""
        time.sleep(0.2)  # the log line is written after the response
        with self.logfile.open() as fh:
            fh.seek(offset)
            rows = []
            for line in fh:
                match = LOG_RE.search(line)
                if match and match.group(1) == path:
                    rows.append(
                        (
                            int(match.group(2)),
                            int(match.group(3)),
                            float(match.group(4)) + float(match.group(5)),
                        )
                    )
            return rows


# --- Load --------------------------------------------------------------------------------------
def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def _attachment_payload(total_mb, parts):
    """``parts`` attachments of random bytes (incompressible), ``total_mb`` MB decoded."""
    size = total_mb * 1024 * 1024 // parts
    return [
        [f"bench-{total_mb}mb-{k}.bin", base64.b64encode(os.urandom(size)).decode()] for k in range(parts)
    ]


class Case:
    """One measured request kind: its route and parameters, and how to load it."""

    def __init__(self, path, make_params, token=True, requests=None, parallel=True, memory=False, only=None):
        self.path, self.make_params, self.token = path, make_params, token
        self.requests = requests  # None: --requests
        self.parallel = parallel  # also measure req/s with --clients
        self.memory = memory  # also measure the serving worker's peak memory
        self.only = only  # implementations that have the route (None: all)


def build_cases(impl, inputs, now_tag):
    """Case name -> Case. Every request uses another sender/record, so no cache hides the work."""
    people = [(name, email) for _id, name, email in inputs["known"]]
    known_ids = [row[0] for row in inputs["known"]]
    companies, heavy, big = inputs["companies"], inputs["heavy"], inputs["big"]
    payloads = {}

    def log_params(total_mb, parts):
        def make(i):
            if total_mb not in payloads:
                payloads[total_mb] = _attachment_payload(total_mb, parts)
            return {
                "model": "res.partner",
                "res_id": known_ids[i % len(known_ids)],
                "message": f"<span>From: bench</span><br/><br/><p>Mail {i} with {total_mb} MB</p>",
                "attachments": payloads[total_mb],
            }

        return make

    def sender(rows):
        return lambda i: {"email": rows[i % len(rows)][2], "name": rows[i % len(rows)][1], "partner_id": None}

    return {
        "get_known": Case("/mail_plugin/partner/get", sender(inputs["known"])),
        "get_heavy": Case("/mail_plugin/partner/get", sender(heavy)),
        "get_big_company": Case("/mail_plugin/partner/get", sender(big)),
        "get_unknown_company": Case(
            "/mail_plugin/partner/get",
            lambda i: {
                "email": f"new.person{now_tag}x{i}@{companies[i % len(companies)][2]}",
                "name": f"New Person {i}",
                "partner_id": None,
            },
        ),
        "get_unknown_public": Case(
            "/mail_plugin/partner/get",
            lambda i: {
                "email": f"someone{now_tag}x{i}@gmail.com",
                "name": f"Someone {i}",
                "partner_id": None,
            },
        ),
        "search_email": Case(
            "/mail_plugin/partner/search", lambda i: {"search_term": people[i % len(people)][1]}
        ),
        "search_name": Case(
            "/mail_plugin/partner/search", lambda i: {"search_term": people[i % len(people)][0]}
        ),
        "search_leads": Case(
            "/mail_plugin/search_records/crm.lead",
            lambda i: {"query": people[i % len(people)][0]},
            only={"ours"},
        ),
        "log_mail_content": Case(
            "/mail_plugin/log_mail_content",
            lambda i: {
                "model": "res.partner",
                "res_id": known_ids[i % len(known_ids)],
                "message": f"<span>From: bench</span><br/><br/><p>Mail {i}</p>",
                "attachments": [],
            },
        ),
        "log_1mb": Case(
            "/mail_plugin/log_mail_content", log_params(1, 1), requests=10, parallel=False, memory=True
        ),
        "log_25mb": Case(
            "/mail_plugin/log_mail_content", log_params(25, 1), requests=4, parallel=False, memory=True
        ),
        "log_40mb": Case(
            "/mail_plugin/log_mail_content", log_params(40, 4), requests=4, parallel=False, memory=True
        ),
        "lead_create": Case(
            "/mail_plugin/lead/create",
            lambda i: {
                "partner_id": known_ids[i % len(known_ids)],
                "email_subject": f"Bench request {now_tag}-{i}",
                "email_body": f"<p>Hello, we would like an offer ({i}).</p>",
            },
        ),
        "auth_noop": Case(IMPLS[impl][1], lambda i: {}),
        "noauth": Case("/web/webclient/version_info", lambda i: {}, token=False),
    }


def call(session, url, token, params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    start = time.perf_counter()
    response = session.post(
        url,
        json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
        headers=headers,
        timeout=300,
    )
    elapsed = time.perf_counter() - start
    body = response.json() if response.status_code == 200 else {"error": response.status_code}
    return elapsed, body


# --- Memory of the server's processes (Linux /proc) ---------------------------------------------
def _status_kb(pid, key):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def server_pids(root):
    """The server process and its children (the prefork workers)."""
    pids = [root]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root:
            pids.append(int(stat.parent.name))
    return pids


class PeakMemory:
    """Peak resident memory a request added to the process that served it: the RSS of each
    server process before, its high-water mark reset (``clear_refs`` 5), VmHWM after."""

    def __init__(self, root):
        self.pids = server_pids(root)

    def __enter__(self):
        self.before = {}
        for pid in self.pids:
            self.before[pid] = _status_kb(pid, "VmRSS")
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                self.before[pid] = None
        return self

    def __exit__(self, *exc):
        deltas = {}
        for pid, rss in self.before.items():
            hwm = _status_kb(pid, "VmHWM")
            if rss is not None and hwm is not None:
                deltas[pid] = (hwm - rss, hwm)
        self.pid, self.delta_kb, self.hwm_kb = None, None, None
        if deltas:
            self.pid = max(deltas, key=lambda pid: deltas[pid][0])
            self.delta_kb, self.hwm_kb = deltas[self.pid]


def run_case(server, token, case, requests_n, clients, warmup, parallel_n=None):
    url = server.url + case.path
    tok = token if case.token else None
    session = requests.Session()
    requests_n = case.requests or requests_n
    for i in range(warmup if case.parallel else 1):
        call(session, url, tok, case.make_params(10_000 + i))
    # 1 client: latency
    offset = server.log_size()
    latencies, errors, sample, peaks = [], 0, None, []
    for i in range(requests_n):
        params = case.make_params(i)
        if case.memory:
            with PeakMemory(server.proc.pid) as mem:
                elapsed, body = call(session, url, tok, params)
            if mem.delta_kb is not None:
                peaks.append((mem.delta_kb / 1024, mem.hwm_kb / 1024))
        else:
            elapsed, body = call(session, url, tok, params)
        latencies.append(elapsed * 1000)
        if "error" in body:
            errors += 1
            sample = sample or body["error"]
    server_rows = server.log_lines(offset, case.path)
    rps = None
    if case.parallel:
        rps = _throughput(url, tok, case, parallel_n or requests_n * 2, clients)
    server_ms = [row[2] * 1000 for row in server_rows]
    queries = [row[1] for row in server_rows]
    result = {
        "path": case.path,
        "n": requests_n,
        "errors": errors,
        "error_sample": str(sample)[:300] if sample else None,
        "client_p50": pct(latencies, 50),
        "client_p95": pct(latencies, 95),
        "server_p50": pct(server_ms, 50),
        "server_p95": pct(server_ms, 95),
        "queries": statistics.median(queries) if queries else None,
        "queries_max": max(queries) if queries else None,
        "rps": rps,
        "clients": clients,
    }
    if case.memory:
        payload = sum(len(item[1]) for item in case.make_params(0)["attachments"]) * 3 // 4
        result["payload_mb"] = payload / 1024 / 1024
        result["peak_mb"] = max((p[0] for p in peaks), default=None)
        result["peak_mb_p50"] = pct([p[0] for p in peaks], 50)
        result["worker_hwm_mb"] = max((p[1] for p in peaks), default=None)
    return result


def _throughput(url, tok, case, total, clients):
    """Requests/s with ``clients`` parallel clients, each on its own connection."""
    counter = iter(range(total))
    lock = threading.Lock()

    def worker():
        sess = requests.Session()
        done = 0
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return done
            call(sess, url, tok, case.make_params(20_000 + i))
            done += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(worker) for _ in range(clients)]
        done = sum(f.result() for f in futures)
    return done / (time.perf_counter() - start)


def run_impl(args, impl, n, port):
    dbname = ensure_impl_db(args.prefix, impl, n, fresh=args.fresh, tag=args.tag)
    params, inputs = bench_inputs(dbname, max(args.requests, 50))
    token = params["bench.token"]
    logfile = CACHE / f"bench-{dbname}.log"
    results = {
        "impl": impl,
        "contacts": n,
        "db": dbname,
        "workers": args.workers,
        "install_seconds": float(params.get("bench.install_seconds", "nan")),
        "heavy_leads": params["heavy_leads"],
        "big_company_people": params["big_company_people"],
    }
    now_tag = int(time.time()) % 100000
    cases = build_cases(impl, inputs, now_tag)
    selected = [
        c
        for c in cases
        if (not args.cases or c in args.cases) and (cases[c].only is None or impl in cases[c].only)
    ]
    if impl == "ours":
        results["index_usable"] = wait_for_usable_index(dbname)
    results["autovacuum_wait_seconds"], results["gin_pending_pages_merged"] = settle_database(dbname)
    results["load"] = os.getloadavg()
    with Server(dbname, port, args.workers, logfile) as server:
        results["cases"] = {}
        for case in selected:
            res = run_case(
                server, token, cases[case], args.requests, args.clients, args.warmup, args.parallel_requests
            )
            results["cases"][case] = res
            say(
                f"{impl} {size_label(n)} {case}: client p50 {fmt(res['client_p50'])} p95 "
                f"{fmt(res['client_p95'])} ms, server p50 {fmt(res['server_p50'])} p95 "
                f"{fmt(res['server_p95'])} ms, queries {res['queries']}, {fmt(res['rps'], 0)} req/s"
                + (f", peak +{res['peak_mb']:.0f} MB" if res.get("peak_mb") is not None else "")
                + (f", {res['errors']} errors ({res['error_sample']})" if res["errors"] else "")
            )
    results["load_after"] = os.getloadavg()
    return results


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


# --- Report ------------------------------------------------------------------------------------
CASE_LABELS = {
    "get_known": "partner/get, known sender",
    "get_heavy": "partner/get, contact with many opportunities",
    "get_big_company": "partner/get, company with many contacts",
    "get_unknown_company": "partner/get, unknown sender, company domain",
    "get_unknown_public": "partner/get, unknown sender, public domain",
    "search_email": "partner/search, by e-mail",
    "search_name": "partner/search, by name",
    "search_leads": "search_records/crm.lead",
    "log_mail_content": "log_mail_content, no attachment",
    "log_1mb": "log_mail_content, 1 MB attachment",
    "log_25mb": "log_mail_content, 25 MB attachment",
    "log_40mb": "log_mail_content, 4 x 10 MB attachments",
    "lead_create": "lead/create",
    "auth_noop": "authenticated no-op",
    "noauth": "unauthenticated no-op",
}
README_BEGIN = "<!-- bench:begin (generated by bench/run.py --report --write) -->"
README_END = "<!-- bench:end -->"


def _ratio(ref, ours):
    return f"{ref / ours:.1f}x" if ref is not None and ours else "-"


def report_lines(all_results):
    by_key = {(r["impl"], r["contacts"]): r for r in all_results}
    sizes = sorted({r["contacts"] for r in all_results})
    impls = [i for i in IMPLS if any(r["impl"] == i for r in all_results)]
    first = max(all_results, key=lambda r: r["contacts"])
    clients = next((c["clients"] for c in first["cases"].values()), "?")
    workers = first["workers"]
    lines = [
        f"Odoo 17 with CRM and Project, `--workers={workers}`; N contacts, N leads, N tasks "
        f"(long tail: {first.get('heavy_leads', '?')} opportunities on one contact, "
        f"{first.get('big_company_people', '?')} contacts in one company at the largest size). "
        "Times in ms: server = Odoo's own request timing (its log line), client = one sequential "
        f"client over loopback; req/s with {clients} parallel clients; peak = memory the request "
        "added to the worker that served it (VmHWM over the RSS before). Load average during the "
        "runs: "
        + ", ".join(f"{r['impl']} {size_label(r['contacts'])} {r['load'][0]:.1f}" for r in all_results)
        + ".",
        "",
        "| case | size | impl | server p50 | server p95 | client p50 | queries | req/s | peak MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    cases = [c for c in CASE_LABELS if any(c in r["cases"] for r in all_results)]
    for case in cases:
        for n in sizes:
            for impl in impls:
                r = by_key.get((impl, n))
                if not r or case not in r["cases"]:
                    continue
                c = r["cases"][case]
                q = "-" if c["queries"] is None else f"{c['queries']:g}"
                err = f" ({c['errors']} errors)" if c["errors"] else ""
                peak = fmt(c.get("peak_mb"), 0)
                lines.append(
                    f"| {CASE_LABELS[case]} | {size_label(n)} | {impl}{err} | {fmt(c['server_p50'])} | "
                    f"{fmt(c['server_p95'])} | {fmt(c['client_p50'])} | {q} | {fmt(c['rps'], 0)} | {peak} |"
                )
    if "ref" in impls and "ours" in impls:
        lines += [
            "",
            "Reference / this module (higher is better for this module):",
            "",
            "| case | size | server p50 | server p95 | req/s (ours / ref) | peak memory "
            "| queries (ours / ref) |",
            "|---|---|---|---|---|---|---|",
        ]
        for case in cases:
            for n in sizes:
                o, f = by_key.get(("ours", n)), by_key.get(("ref", n))
                if not (o and case in o["cases"]):
                    continue
                oc = o["cases"][case]
                fc = f["cases"].get(case) if f else None
                if not fc:
                    lines.append(
                        f"| {CASE_LABELS[case]} | {size_label(n)} | no such route in the reference | | | | |"
                    )
                    continue
                rps = _ratio(oc["rps"], fc["rps"]) if oc["rps"] and fc["rps"] else "-"
                p50 = _ratio(fc["server_p50"], oc["server_p50"])
                lines.append(
                    f"| {CASE_LABELS[case]} | {size_label(n)} | {p50} | "
                    f"{_ratio(fc['server_p95'], oc['server_p95'])} | {rps} | "
                    f"{_ratio(fc.get('peak_mb'), oc.get('peak_mb'))} | "
                    f"{fmt(oc['queries'], 0)} / {fmt(fc['queries'], 0)} |"
                )
    lines += ["", *goal_lines(all_results)]
    return lines


def goal_lines(all_results):
    """The performance goals of this module, checked on these results."""
    ours = {r["contacts"]: r["cases"] for r in all_results if r["impl"] == "ours"}
    if not ours:
        return []
    big, small = max(ours), min(ours)
    top = ours[big]
    checks = []

    def check(label, value, limit, unit="", fmt_value=None):
        if value is None:
            return
        shown = fmt_value(value) if fmt_value else f"{value:.1f}{unit}"
        checks.append(f"| {label} | {shown} | {limit} | {'met' if eval_limit(value, limit) else 'NOT met'} |")

    def eval_limit(value, limit):
        op, number = limit.split(" ", 1)
        number = float(number.split()[0].rstrip("x"))
        return value <= number if op == "<=" else value >= number

    for case in ("get_known", "get_heavy"):
        if case in top:
            c = top[case]
            check(f"{CASE_LABELS[case]}, p50 at {size_label(big)}", c["server_p50"], "<= 8 ms", " ms")
            check(f"{CASE_LABELS[case]}, p95 at {size_label(big)}", c["server_p95"], "<= 12 ms", " ms")
            check(f"{CASE_LABELS[case]}, queries", c["queries_max"], "<= 8", fmt_value=lambda v: f"{v:g}")
    if "get_known" in top:
        check(f"lookups/s at {size_label(big)}", top["get_known"]["rps"], ">= 150", "/s")
        if small != big and "get_known" in ours[small]:
            growth = top["get_known"]["server_p95"] / ours[small]["get_known"]["server_p95"]
            check(f"p95 at {size_label(big)} / p95 at {size_label(small)}", growth, "<= 1.2 x", "x")
    for case in ("search_email", "search_name"):
        if case in top:
            check(
                f"{CASE_LABELS[case]}, p95 at {size_label(big)}", top[case]["server_p95"], "<= 15 ms", " ms"
            )
    c = top.get("log_40mb")
    if c and c.get("peak_mb") is not None:
        check("40 MB email: worker's peak memory / payload", c["peak_mb"] / c["payload_mb"], "<= 3 x", "x")
    if not checks:
        return []
    return ["| goal | measured | limit | |", "|---|---|---|---|", *checks]


def summary_lines(all_results):
    """The README's block: every case at the largest size, both implementations side by side,
    then the goals."""
    big = max(r["contacts"] for r in all_results)
    by_impl = {r["impl"]: r for r in all_results if r["contacts"] == big}
    ours, ref = by_impl.get("ours"), by_impl.get("ref")
    first = ours or ref
    clients = next((c["clients"] for c in first["cases"].values()), "?")
    load = ", ".join(f"{r['impl']} {r['load'][0]:.1f}" for r in by_impl.values())
    lines = [
        f"{size_label(big)} contacts, {size_label(big)} leads, {size_label(big)} tasks (one contact with "
        f"{first.get('heavy_leads', '?')} opportunities, one company with "
        f"{first.get('big_company_people', '?')} contacts), CRM and Project installed, "
        f"`--workers={first['workers']}`, two shared cores (load average at the start: {load}). "
        "Server time (Odoo's request log) in ms; queries per request; req/s with "
        f"{clients} clients; peak = memory the request added to its worker.",
        "",
        "| case | this module p50 / p95 | queries | req/s | reference p50 / p95 | queries | req/s "
        "| ratio p50 / p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, label in CASE_LABELS.items():
        oc = ours and ours["cases"].get(case)
        if not oc:
            continue
        fc = ref and ref["cases"].get(case)
        mem = f" (peak +{oc['peak_mb']:.0f} MB)" if oc.get("peak_mb") is not None else ""
        row = [
            label,
            f"{fmt(oc['server_p50'])} / {fmt(oc['server_p95'])}{mem}",
            fmt(oc["queries"], 0),
            fmt(oc["rps"], 0),
        ]
        if fc:
            fmem = f" (peak +{fc['peak_mb']:.0f} MB)" if fc.get("peak_mb") is not None else ""
            row += [
                f"{fmt(fc['server_p50'])} / {fmt(fc['server_p95'])}{fmem}"
                + (f" ({fc['errors']} errors)" if fc["errors"] else ""),
                fmt(fc["queries"], 0),
                fmt(fc["rps"], 0),
                _ratio(fc["server_p50"], oc["server_p50"])
                + " / "
                + _ratio(fc["server_p95"], oc["server_p95"]),
            ]
        else:
            row += ["no such route", "", "", ""]
        lines.append("| " + " | ".join(row) + " |")
    return [*lines, "", *goal_lines(all_results)]


def report(all_results, out=sys.stdout):
    text = "\n".join(report_lines(all_results))
    print(text, file=out)
    return text


def write_readme(text, path):
    """Replace the generated block of ``path`` (between README_BEGIN and README_END)."""
    content = Path(path).read_text()
    start, end = content.find(README_BEGIN), content.find(README_END)
    if start < 0 or end < start:
        sys.exit(f"{path}: no block between {README_BEGIN!r} and {README_END!r}")
    content = content[: start + len(README_BEGIN)] + "\n" + text + "\n" + content[end:]
    Path(path).write_text(content)
    say(f"{path}: performance block rewritten")


def plot(all_results, path):
    import matplotlib  # noqa: PLC0415 - only for --plot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    cases = ["get_known", "get_heavy", "get_unknown_company", "search_name"]
    fig, axes = plt.subplots(1, len(cases), figsize=(4 * len(cases), 3.6), sharey=True)
    for ax, case in zip(axes, cases, strict=False):
        for impl, style, color in (("ours", "o-", "tab:blue"), ("ref", "s--", "tab:red")):
            rows = sorted(
                (r["contacts"], r["cases"][case])
                for r in all_results
                if r["impl"] == impl and case in r["cases"] and not r["cases"][case]["errors"]
            )
            if not rows:
                continue
            xs = [n for n, _c in rows]
            label = {"ours": "mail_plugin_gmail", "ref": "Odoo mail_plugin (+crm, project)"}[impl]
            ax.plot(xs, [c["server_p50"] for _n, c in rows], style, color=color, label=f"{label} p50")
            ax.plot(
                xs, [c["server_p95"] for _n, c in rows], style, color=color, alpha=0.35, label=f"{label} p95"
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(CASE_LABELS[case], fontsize=9)
        ax.set_xlabel("contacts (as many leads, as many tasks)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("server latency (ms)")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    say(f"plot written to {path}")


def report_command(args):
    """--report: the tables of saved results, and with --write the generated files."""
    results = []
    for name in args.report or [args.out]:
        results += json.loads(Path(name).read_text())
    text = report(results)
    if args.write and args.report:
        # Several runs (say, the reference at 1M on its own) merged into the one file the
        # report is later regenerated from.
        Path(args.out).write_text(json.dumps(results, indent=1))
        say(f"{len(args.report)} result files merged into {args.out}")
    if args.write:
        write_readme("\n".join(summary_lines(results)), REPO / "README.md")
        write_readme(text, REPO / "bench" / "RESULTS.md")
        args.plot = args.plot or str(REPO / "bench" / "latency.png")
    if args.plot:
        plot(results, args.plot)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10k,1M", help="contact (= lead = task) counts, e.g. 10k,100k,1M")
    parser.add_argument("--impls", default="ours,ref", help="ours, ref (Odoo's mail_plugin) or both")
    parser.add_argument("--cases", default="", help=f"subset of: {', '.join(CASE_LABELS)}")
    parser.add_argument("--requests", type=int, default=100, help="sequential requests per case")
    parser.add_argument("--parallel-requests", type=int, help="requests for req/s (default: 2x --requests)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8, help="parallel clients for req/s")
    parser.add_argument("--workers", type=int, default=2, help="prefork workers (0: threaded server)")
    parser.add_argument("--port", type=int, default=8250)
    parser.add_argument("--prefix", default="bench_", help="database name prefix")
    parser.add_argument("--tag", default="", help="suffix of the module databases (not the seeds)")
    parser.add_argument("--fresh", action="store_true", help="re-install the module (keeps seeds)")
    parser.add_argument("--prepare-only", action="store_true", help="create the databases and stop")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "latest.json"))
    parser.add_argument(
        "--report",
        nargs="*",
        metavar="JSON",
        help="only print the table of saved results (of these files, merged into --out with --write)",
    )
    parser.add_argument("--plot", metavar="PNG", help="also write a latency plot")
    parser.add_argument(
        "--write",
        action="store_true",
        help="with --report: rewrite the generated blocks of README.md and bench/RESULTS.md, "
        "and bench/latency.png",
    )
    args = parser.parse_args()
    args.cases = [c for c in args.cases.split(",") if c]

    if args.report is not None:
        report_command(args)
        return

    sizes = [parse_size(s) for s in args.sizes.split(",")]
    impls = [i.strip() for i in args.impls.split(",")]
    for impl in impls:
        if impl not in IMPLS:
            sys.exit(f"unknown implementation {impl!r}")
    if "ref" in impls and not (Path(ENV["ODOO_SRC"]) / "addons" / "mail_plugin").is_dir():
        say("Odoo's mail_plugin is not in this Odoo tree: benchmarking ours only")
        impls = [i for i in impls if i != "ref"]
    results = []
    for n in sizes:
        for k, impl in enumerate(impls):
            if args.prepare_only:
                ensure_impl_db(args.prefix, impl, n, fresh=args.fresh, tag=args.tag)
                continue
            results.append(run_impl(args, impl, n, args.port + k))
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(results, indent=1))
    if results:
        print()
        report(results)
        if args.plot:
            plot(results, args.plot)


if __name__ == "__main__":
    main()
