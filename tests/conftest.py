"""Fixtures for tests that need real Odoo server processes of their own.

The addon's own tests (mail_plugin_gmail/tests) run inside pytest-odoo's process; these
start ``odoo-bin`` in prefork mode (``--workers=2``, which also starts the gevent process
serving websockets) on a database of their own, as production runs it, and talk to it over
HTTP only. Each server writes its log to a file that a test reads at the end of the session.
"""

import base64
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
import requests

from odoo.tools import config

REPO = Path(__file__).resolve().parent.parent
ODOO = [str(REPO / "scripts" / "odoo")]
# A line that an administrator alerting on the log would be woken up by.
LOG_PROBLEM = re.compile(r"\S+ \S+ \d+ (ERROR|CRITICAL) |Traceback ")


def pg_connect(dbname):
    return psycopg2.connect(
        dbname=dbname,
        host=config["db_host"] or None,
        port=config["db_port"] or None,
        user=config["db_user"],
        password=config["db_password"] or None,
    )


def drop_database(dbname):
    conn = pg_connect("postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    finally:
        conn.close()
    shutil.rmtree(config.filestore(dbname), ignore_errors=True)


def db_args():
    """The addons and PostgreSQL server of pytest-odoo's configuration, for the servers
    started here (the same modules, on the same server)."""
    args = [
        f"--addons-path={config['addons_path']}",
        f"--db_user={config['db_user']}",
        f"--db_password={config['db_password'] or ''}",
    ]
    if config["db_host"]:
        args.append(f"--db_host={config['db_host']}")
    if config["db_port"]:
        args.append(f"--db_port={config['db_port']}")
    return args


def install_database(dbname, modules):
    subprocess.run(
        ODOO + [*db_args(), "-d", dbname, "-i", modules, "--stop-after-init", "--log-level=warn"], check=True
    )


def enable_feature(dbname):
    with pg_connect(dbname) as conn, conn.cursor() as cr:
        cr.execute(
            "INSERT INTO ir_config_parameter (key, value) VALUES ('mail_plugin_gmail.enabled', 'True') "
            "ON CONFLICT (key) DO UPDATE SET value = 'True'"
        )


def create_database(dbname, modules="mail_plugin_gmail"):
    """A new database with ``modules`` installed and the feature switched on."""
    install_database(dbname, modules)
    enable_feature(dbname)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """One ``odoo-bin`` process tree (master, HTTP workers, gevent process) and its log."""

    def __init__(self, dbname, log_path, extra_args=(), preload=True, workers=2):
        self.dbname, self.log_path, self.workers = dbname, Path(log_path), workers
        self.port, self.gevent_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = self.log_path.open("w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            ODOO
            + [
                *db_args(),
                *(["-d", dbname] if preload else []),
                f"--db-filter=^{dbname}$",
                f"--workers={workers}",
                "--max-cron-threads=0",
                f"--http-port={self.port}",
                f"--gevent-port={self.gevent_port}",
                "--log-level=warn",
                "--limit-time-real=120",
                *extra_args,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Log spans of deliberate faults (offsets in the log file), left out of the log check.
        self.fault_spans = []

    def wait_ready(self, path="/web/health", timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(self.url + path, timeout=2).status_code < 500:
                    if self.workers:
                        # The gevent process (websockets) starts beside the HTTP workers.
                        socket.create_connection(("127.0.0.1", self.gevent_port), timeout=2).close()
                    return self
            except (requests.RequestException, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        pytest.fail(f"the Odoo server did not start (log: {self.log_path})")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()

    # -- processes ----------------------------------------------------------------------
    def _children(self):
        """(pid, command line) of the master's child processes."""
        children = []
        for pid in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                continue
            children.append((int(pid), cmdline))
        return children

    def worker_pids(self):
        return [pid for pid, cmdline in self._children() if " gevent " not in cmdline]

    def gevent_pid(self):
        pids = [pid for pid, cmdline in self._children() if " gevent " in cmdline]
        return pids[0] if pids else None

    def websocket_handshake(self):
        """The status line the gevent process answers to a websocket upgrade on /websocket."""
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET /websocket HTTP/1.1\r\nHost: 127.0.0.1:{self.gevent_port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {self.url}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", self.gevent_port), timeout=10) as sock:
            sock.sendall(request.encode())
            return sock.recv(4096).decode(errors="replace").split("\r\n", 1)[0]

    # -- log ------------------------------------------------------------------------------
    def log_offset(self):
        self._log.flush()
        return self.log_path.stat().st_size

    def log_problems(self):
        """ERROR/CRITICAL lines and tracebacks of the log, outside the deliberate faults."""
        text = self.log_path.read_text(errors="replace")
        kept, start = [], 0
        for begin, end in self.fault_spans:
            kept.append(text[start:begin])
            start = end
        kept.append(text[start:])
        return [line for part in kept for line in part.splitlines() if LOG_PROBLEM.match(line)]

    # -- database and HTTP -----------------------------------------------------------------
    def sql(self, query, params=None):
        with pg_connect(self.dbname) as conn, conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None

    def browser(self, login="admin", password="admin"):
        """A logged-in browser session (cookies), as a person signing in the add-on has."""
        session = requests.Session()
        page = session.get(f"{self.url}/web/login", timeout=30)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = session.post(
            f"{self.url}/web/login",
            data={"login": login, "password": password, "csrf_token": csrf},
            timeout=30,
        )
        assert "/web/login" not in response.url, "login failed"
        return session

    def call_kw(self, session, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = session.post(f"{self.url}/web/dataset/call_kw", json=payload, timeout=60)
        return response.json()["result"]

    def rpc(self, path, params=None, token=None, timeout=60):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": params or {}}
        return requests.post(self.url + path, json=payload, headers=headers, timeout=timeout)


def pytest_collection_modifyitems(items):
    """Tests marked ``server_logs`` read what the whole session wrote: they run last."""
    items.sort(key=lambda item: item.get_closest_marker("server_logs") is not None)


FIGURES = []


@pytest.fixture(scope="session")
def figures():
    """Lines of measured figures, printed at the end of the run (tests/RELIABILITY.md)."""
    return FIGURES


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.write_sep("-", "reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def pytest_configure(config):
    config.addinivalue_line("markers", "server_logs: reads the live servers' logs; runs last")


# Every server started in this session: the log check reads them all.
SERVERS = []


@pytest.fixture(scope="session")
def live_servers():
    return SERVERS


def start_server(dbname, log_name=None, **options):
    """A started :class:`LiveServer` on ``dbname``, registered for the log check."""
    log_path = Path(tempfile.gettempdir()) / f"{log_name or dbname}.log"
    server = LiveServer(dbname, log_path, **options)
    SERVERS.append(server)
    server.wait_ready()
    server.gevent_pid_at_start = server.gevent_pid() if server.workers else None
    return server


@contextlib.contextmanager
def running_server(dbname, workers=2):
    """``odoo-bin`` serving ``dbname`` alone (prefork unless ``workers=0``), until the block ends."""
    server = start_server(dbname, f"{dbname}_{len(SERVERS)}", workers=workers)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_server():
    dbname = os.environ.get("MPG_TEST_DB_PREFIX", "mpg_test_live") + "_srv"
    create_database(dbname)
    try:
        with running_server(dbname) as server:
            yield server
    finally:
        drop_database(dbname)
