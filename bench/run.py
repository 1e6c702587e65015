#!/usr/bin/env python3
"""Latency benchmark of the add-on's endpoints at 10k, 100k and 1M contacts, ours vs Odoo's
``mail_plugin``, on identically seeded databases. See bench/README.md.

Run with the project's virtualenv python (it has requests, psycopg2 and matplotlib):
    $VENV_DIR/bin/python bench/run.py --sizes 10k,100k --impls ours,ref
"""

import argparse
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
IMPLS = {
    # name: (module, authenticated route that does no work of its own)
    "ours": ("mail_plugin_gmail", "/mail_plugin/get_translations"),
    "ref": ("mail_plugin", "/mail_client_extension/modules/get"),
}
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
def ensure_base(prefix):
    name = f"{prefix}base"
    if not db_exists(name):
        say(f"creating {name} ({BASE_MODULES})")
        odoo("-d", name, "-i", BASE_MODULES, "--stop-after-init", "--no-http", "--log-level=warn")
    return name


def ensure_seeded(prefix, n):
    name = f"{prefix}seed_{size_label(n)}"
    if db_exists(name):
        return name
    base = ensure_base(prefix)
    say(f"seeding {name} with {n} contacts")
    create_from_template(name, base)
    start = time.monotonic()
    try:
        with cursor(name) as cr:
            cr.execute(seed.seed_sql(n))
            cr.execute("VACUUM ANALYZE res_partner")
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
        cr.execute("VACUUM ANALYZE res_partner")


def bench_inputs(dbname, count):
    """Sample addresses from the seeded data (same for every implementation of one size)."""
    with cursor(dbname) as cr:
        cr.execute("SELECT key, value FROM ir_config_parameter WHERE key LIKE 'bench.%'")
        params = dict(cr.fetchall())
        cr.execute("SELECT MIN(id), MAX(id) FROM res_partner WHERE email LIKE '%@%'")
        low, high = cr.fetchone()
        step = max(1, (high - low) // (count * 3))
        cr.execute(
            """SELECT id, name, email FROM res_partner
                WHERE id BETWEEN %s AND %s AND (id - %s) %% %s = 0 AND NOT is_company
                  AND split_part(email, '@', 2) NOT IN %s
                ORDER BY id LIMIT %s""",
            [low, high, low, step, tuple(seed.PUBLIC_PROVIDERS), count],
        )
        known = cr.fetchall()
        cr.execute(
            """SELECT id, name, split_part(email, '@', 2) FROM res_partner
                WHERE is_company AND id BETWEEN %s AND %s AND (id - %s) %% 7 = 0
                ORDER BY id LIMIT %s""",
            [low, high, low, count],
        )
        companies = cr.fetchall()
    return params, known, companies


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
            "-d",
            self.dbname,
            "--db-filter",
            f"^{self.dbname}$",
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


def build_cases(impl, known, companies, now_tag):
    """Case name -> (path, needs token, function(i) -> params)."""
    people = [(name, email) for _id, name, email in known]
    return {
        "get_known": (
            "/mail_plugin/partner/get",
            True,
            lambda i: {
                "email": people[i % len(people)][1],
                "name": people[i % len(people)][0],
                "partner_id": None,
            },
        ),
        "get_unknown_company": (
            "/mail_plugin/partner/get",
            True,
            lambda i: {
                "email": f"new.person{now_tag}x{i}@{companies[i % len(companies)][2]}",
                "name": f"New Person {i}",
                "partner_id": None,
            },
        ),
        "get_unknown_public": (
            "/mail_plugin/partner/get",
            True,
            lambda i: {
                "email": f"someone{now_tag}x{i}@gmail.com",
                "name": f"Someone {i}",
                "partner_id": None,
            },
        ),
        "search_email": (
            "/mail_plugin/partner/search",
            True,
            lambda i: {"search_term": people[i % len(people)][1]},
        ),
        "search_name": (
            "/mail_plugin/partner/search",
            True,
            lambda i: {"search_term": people[i % len(people)][0]},
        ),
        "log_mail_content": (
            "/mail_plugin/log_mail_content",
            True,
            lambda i: {
                "model": "res.partner",
                "res_id": known[i % len(known)][0],
                "message": f"<span>From: bench</span><br/><br/><p>Mail {i}</p>",
                "attachments": [],
            },
        ),
        "auth_noop": (IMPLS[impl][1], True, lambda i: {}),
        "noauth": ("/web/webclient/version_info", False, lambda i: {}),
    }


def call(session, url, token, params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    start = time.perf_counter()
    response = session.post(
        url,
        json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
        headers=headers,
        timeout=120,
    )
    elapsed = time.perf_counter() - start
    body = response.json() if response.status_code == 200 else {"error": response.status_code}
    return elapsed, body


def run_case(server, token, path, with_token, make_params, requests_n, clients, warmup, parallel_n=None):
    url = server.url + path
    tok = token if with_token else None
    session = requests.Session()
    for i in range(warmup):
        call(session, url, tok, make_params(10_000 + i))
    # 1 client: latency
    offset = server.log_size()
    latencies, errors, sample = [], 0, None
    for i in range(requests_n):
        elapsed, body = call(session, url, tok, make_params(i))
        latencies.append(elapsed * 1000)
        if "error" in body:
            errors += 1
            sample = sample or body["error"]
    server_rows = server.log_lines(offset, path)
    # N clients: throughput, each client its own connection
    total = parallel_n or requests_n * 2
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
            call(sess, url, tok, make_params(20_000 + i))
            done += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(worker) for _ in range(clients)]
        done = sum(f.result() for f in futures)
    rps = done / (time.perf_counter() - start)
    server_ms = [row[2] * 1000 for row in server_rows]
    queries = [row[1] for row in server_rows]
    return {
        "path": path,
        "n": requests_n,
        "errors": errors,
        "error_sample": str(sample)[:200] if sample else None,
        "client_p50": pct(latencies, 50),
        "client_p95": pct(latencies, 95),
        "server_p50": pct(server_ms, 50),
        "server_p95": pct(server_ms, 95),
        "queries": statistics.median(queries) if queries else None,
        "queries_max": max(queries) if queries else None,
        "rps": rps,
        "clients": clients,
    }


def run_impl(args, impl, n, port):
    dbname = ensure_impl_db(args.prefix, impl, n, fresh=args.fresh, tag=args.tag)
    params, known, companies = bench_inputs(dbname, max(args.requests, 50))
    token = params["bench.token"]
    logfile = CACHE / f"bench-{dbname}.log"
    results = {
        "impl": impl,
        "contacts": n,
        "db": dbname,
        "workers": args.workers,
        "install_seconds": float(params.get("bench.install_seconds", "nan")),
    }
    now_tag = int(time.time()) % 100000
    cases = build_cases(impl, known, companies, now_tag)
    selected = [c for c in cases if not args.cases or c in args.cases]
    if impl == "ours":
        results["index_usable"] = wait_for_usable_index(dbname)
    with Server(dbname, port, args.workers, logfile) as server:
        results["cases"] = {}
        for case in selected:
            path, with_token, make_params = cases[case]
            res = run_case(
                server,
                token,
                path,
                with_token,
                make_params,
                args.requests,
                args.clients,
                args.warmup,
                args.parallel_requests,
            )
            results["cases"][case] = res
            say(
                f"{impl} {size_label(n)} {case}: client p50 {fmt(res['client_p50'])} p95 "
                f"{fmt(res['client_p95'])} ms, server p50 {fmt(res['server_p50'])} p95 "
                f"{fmt(res['server_p95'])} ms, queries {res['queries']}, {res['rps']:.0f} req/s"
                + (f", {res['errors']} errors ({res['error_sample']})" if res["errors"] else "")
            )
    return results


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


# --- Report ------------------------------------------------------------------------------------
CASE_LABELS = {
    "get_known": "partner/get, known sender",
    "get_unknown_company": "partner/get, unknown sender, company domain",
    "get_unknown_public": "partner/get, unknown sender, public domain",
    "search_email": "partner/search, by e-mail",
    "search_name": "partner/search, by name",
    "log_mail_content": "log_mail_content on a contact",
    "auth_noop": "authenticated no-op",
    "noauth": "unauthenticated no-op",
}


def report(all_results, out=sys.stdout):
    by_key = {(r["impl"], r["contacts"]): r for r in all_results}
    sizes = sorted({r["contacts"] for r in all_results})
    impls = [i for i in IMPLS if any(r["impl"] == i for r in all_results)]
    lines = []
    workers = {r["workers"] for r in all_results}
    lines.append(
        f"Server: {'threaded' if workers == {0} else f'--workers={sorted(workers)}'}; "
        "times in ms; client = measured by the client over loopback, server = Odoo's own "
        "request timing (query + remaining time); req/s with "
        f"{all_results[0]['cases'][next(iter(all_results[0]['cases']))]['clients']} clients."
    )
    lines.append("")
    lines.append(
        "| case | contacts | impl | client p50 | client p95 | server p50 | server p95 | queries | req/s |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    cases = [c for c in CASE_LABELS if any(c in r["cases"] for r in all_results)]
    for case in cases:
        for n in sizes:
            for impl in impls:
                r = by_key.get((impl, n))
                if not r or case not in r["cases"]:
                    continue
                c = r["cases"][case]
                q = "-" if c["queries"] is None else f"{c['queries']:g}"
                err = f" ({c['errors']} err)" if c["errors"] else ""
                lines.append(
                    f"| {CASE_LABELS[case]} | {size_label(n)} | {impl}{err} | {fmt(c['client_p50'])} | "
                    f"{fmt(c['client_p95'])} | {fmt(c['server_p50'])} | {fmt(c['server_p95'])} | "
                    f"{q} | {c['rps']:.0f} |"
                )
    if "ref" in impls and "ours" in impls:
        lines.append("")
        lines.append("Ratio reference / ours (server p50 and p95; higher is better for ours):")
        lines.append("")
        lines.append("| case | contacts | p50 ratio | p95 ratio | queries ours / ref |")
        lines.append("|---|---|---|---|---|")
        for case in cases:
            for n in sizes:
                o, f = by_key.get(("ours", n)), by_key.get(("ref", n))
                if not (o and f and case in o["cases"] and case in f["cases"]):
                    continue
                oc, fc = o["cases"][case], f["cases"][case]
                if not (oc["server_p50"] and fc["server_p50"]):
                    continue
                lines.append(
                    f"| {CASE_LABELS[case]} | {size_label(n)} | "
                    f"{fc['server_p50'] / oc['server_p50']:.1f}x | "
                    f"{fc['server_p95'] / oc['server_p95']:.1f}x | "
                    f"{fmt(oc['queries'], 0)} / {fmt(fc['queries'], 0)} |"
                )
    lines.append("")
    lines.append(
        "Module install time on the seeded database: "
        + ", ".join(
            f"{r['impl']} {size_label(r['contacts'])} {r['install_seconds']:.0f}s" for r in all_results
        )
    )
    text = "\n".join(lines)
    print(text, file=out)
    return text


def plot(all_results, path):
    import matplotlib  # noqa: PLC0415 - only for --plot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    cases = ["get_known", "get_unknown_company", "get_unknown_public", "search_name"]
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
            label = {"ours": "mail_plugin_gmail", "ref": "Odoo mail_plugin"}[impl]
            ax.plot(xs, [c["server_p50"] for _n, c in rows], style, color=color, label=f"{label} p50")
            ax.plot(
                xs, [c["server_p95"] for _n, c in rows], style, color=color, alpha=0.35, label=f"{label} p95"
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(CASE_LABELS[case], fontsize=9)
        ax.set_xlabel("contacts")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("server latency (ms)")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    say(f"plot written to {path}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10k,100k", help="contact counts, e.g. 10k,100k,1M")
    parser.add_argument("--impls", default="ours,ref", help="ours, ref (Odoo's mail_plugin) or both")
    parser.add_argument("--cases", default="", help=f"subset of: {', '.join(CASE_LABELS)}")
    parser.add_argument("--requests", type=int, default=100, help="sequential requests per case")
    parser.add_argument("--parallel-requests", type=int, help="requests for req/s (default: 2x --requests)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4, help="parallel clients for req/s")
    parser.add_argument("--workers", type=int, default=0, help="0: threaded server; 4: prefork")
    parser.add_argument("--port", type=int, default=8240)
    parser.add_argument("--prefix", default="mpgD_", help="database name prefix")
    parser.add_argument("--tag", default="", help="suffix of the module databases (not the seeds)")
    parser.add_argument("--fresh", action="store_true", help="re-install the module (keeps seeds)")
    parser.add_argument("--prepare-only", action="store_true", help="create the databases and stop")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "latest.json"))
    parser.add_argument("--report", nargs="*", metavar="JSON", help="only print the table of saved results")
    parser.add_argument("--plot", metavar="PNG", help="also write a latency plot")
    args = parser.parse_args()
    args.cases = [c for c in args.cases.split(",") if c]

    if args.report is not None:
        results = []
        for name in args.report or [args.out]:
            results += json.loads(Path(name).read_text())
        report(results)
        if args.plot:
            plot(results, args.plot)
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
