"""Fixtures for tests that need a real Odoo server process of their own.

The addon's own tests (mail_plugin_gmail/tests) run inside pytest-odoo's process; these
start ``odoo-bin`` with several prefork workers on a database of their own, as production
runs it, and talk to it over HTTP only.
"""

import contextlib
import os
import re
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


def _pg_connect(dbname):
    return psycopg2.connect(
        dbname=dbname,
        host=config["db_host"] or None,
        port=config["db_port"] or None,
        user=config["db_user"],
        password=config["db_password"] or None,
    )


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, dbname, url, process):
        self.dbname, self.url, self.process = dbname, url, process

    def sql(self, query, params=None):
        with _pg_connect(self.dbname) as conn, conn.cursor() as cr:
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
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = session.post(f"{self.url}/web/dataset/call_kw", json=payload, timeout=60)
        return response.json()["result"]

    def rpc(self, path, params=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": params or {}}
        return requests.post(self.url + path, json=payload, headers=headers, timeout=60)


def create_database(dbname, modules="mail_plugin_gmail"):
    """A new database with ``modules`` installed and the feature switched on."""
    odoo = [str(REPO / "scripts" / "odoo")]
    subprocess.run(odoo + ["-d", dbname, "-i", modules, "--stop-after-init", "--log-level=warn"], check=True)
    with _pg_connect(dbname) as conn, conn.cursor() as cr:
        cr.execute(
            "INSERT INTO ir_config_parameter (key, value) VALUES ('mail_plugin_gmail.enabled', 'True') "
            "ON CONFLICT (key) DO UPDATE SET value = 'True'"
        )


def drop_database(dbname):
    conn = _pg_connect("postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    finally:
        conn.close()


@contextlib.contextmanager
def running_server(dbname, workers=2):
    """``odoo-bin`` serving ``dbname`` alone with prefork workers, until the block ends."""
    port = _free_port()
    log_path = Path(tempfile.gettempdir()) / f"{dbname}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(REPO / "scripts" / "odoo")]
            + [
                "-d", dbname, f"--db-filter=^{dbname}$", f"--workers={workers}", "--max-cron-threads=0",
                f"--http-port={port}", f"--gevent-port={_free_port()}", "--log-level=warn",
                "--limit-time-real=120",
            ],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.time() + 90
            while time.time() < deadline:
                try:
                    if requests.get(f"{url}/web/health", timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.5)
            else:
                pytest.fail("the live Odoo server did not start")
            yield LiveServer(dbname, url, process)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


@pytest.fixture(scope="session")
def live_server():
    dbname = os.environ.get("MPG_TEST_DB_PREFIX", "mpg_test_live") + "_srv"
    create_database(dbname)
    try:
        with running_server(dbname) as server:
            yield server
    finally:
        drop_database(dbname)
