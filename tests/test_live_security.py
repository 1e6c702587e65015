"""Security under concurrency, against a server with several prefork workers.

Rate limit counters and codes live in PostgreSQL: these tests check they hold when requests
land on different workers at the same time, and that the counters never make legitimate
concurrent requests fail.
"""

import base64
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from .test_live_signin import _consent

LIMIT = "mail_plugin_gmail.rate_limit.%s"


@pytest.fixture
def limits(live_server):
    """Set rate limits through the ORM (so every worker's cache sees them); restore after."""
    admin = live_server.browser()
    live_server.sql("DELETE FROM mail_plugin_rate_limit")
    changed = []

    def set_limit(name, value):
        changed.append(name)
        live_server.call_kw(admin, "ir.config_parameter", "set_param", [LIMIT % name, value])

    yield set_limit
    for name in changed:
        live_server.call_kw(admin, "ir.config_parameter", "set_param", [LIMIT % name, False])
    live_server.sql("DELETE FROM mail_plugin_rate_limit")


def _token(server):
    code = _consent(server)["auth_code"]
    return server.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]["access_token"]


def _parallel(count, call):
    with ThreadPoolExecutor(min(count, 25)) as pool:
        return list(pool.map(call, range(count)))


def test_code_brute_force_limit_is_exact_across_workers(live_server, limits):
    limits("code_failure_address", "10/3600")

    def guess(i):
        return live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": f"guess-{i:040d}"})

    responses = _parallel(30, guess)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 20, statuses
    assert all("Traceback" not in r.text for r in responses)
    hits = live_server.sql("SELECT hits FROM mail_plugin_rate_limit WHERE key LIKE 'code_failure_address:%'")
    assert hits == [(30,)]


def test_failed_token_counter_survives_rollback_on_every_worker(live_server, limits):
    limits("token_failure_address", "1000/3600")
    responses = _parallel(40, lambda i: live_server.rpc("/mail_plugin/get_translations", token=f"{i:040x}"))
    assert {r.status_code for r in responses} == {200}
    assert all("Access token invalid" in r.text for r in responses)
    hits = live_server.sql("SELECT hits FROM mail_plugin_rate_limit WHERE key LIKE 'token_failure_address:%'")
    assert hits == [(40,)]


def test_concurrent_legitimate_calls_never_fail_while_attacked(live_server, limits):
    limits("token_failure_address", "5/3600")
    token = _token(live_server)

    def call(i):
        if i % 2:
            return live_server.rpc("/mail_plugin/get_translations", token=f"{i:040x}")
        return live_server.rpc("/mail_plugin/get_translations", token=token)

    responses = _parallel(40, call)
    legit = [r for i, r in enumerate(responses) if i % 2 == 0]
    bogus = [r for i, r in enumerate(responses) if i % 2]
    assert all(r.status_code == 200 and r.json().get("result") == {} for r in legit)
    assert all(r.status_code in (200, 429) and "result" not in r.json() for r in bogus)
    assert sum(r.status_code == 429 for r in bogus) == 15


def test_concurrent_replays_revoke_the_token(live_server, limits):
    code = _consent(live_server)["auth_code"]
    token = live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"][
        "access_token"
    ]
    answers = _parallel(
        6, lambda i: live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()
    )
    assert all(a.get("result") == {"error": "Invalid code"} for a in answers), answers
    refused = live_server.rpc("/mail_plugin/get_translations", token=token).json()
    assert "Access token invalid" in refused["error"]["data"]["message"]


def test_50_simultaneous_log_mail_content_on_one_record(live_server, limits):
    token = _token(live_server)
    partner_id = live_server.call_kw(
        live_server.browser(), "res.partner", "create", [{"name": "Concurrent Log Target"}]
    )
    params = {
        "model": "res.partner",
        "res_id": partner_id,
        "message": "<p>Logged concurrently</p>",
        "body": "<p>Logged concurrently</p>",
        "attachments": [],
    }
    probe = live_server.rpc("/mail_plugin/log_mail_content", params, token=token)
    assert probe.status_code == 200 and probe.json().get("result"), probe.text[:300]

    def count():
        return live_server.sql(
            "SELECT count(*) FROM mail_message WHERE model = 'res.partner' AND res_id = %s "
            "AND body::text LIKE '%%Logged concurrently%%'",
            [partner_id],
        )[0][0]

    before = count()
    responses = _parallel(50, lambda i: live_server.rpc("/mail_plugin/log_mail_content", params, token=token))
    assert [r.status_code for r in responses] == [200] * 50
    assert all(r.json().get("result") for r in responses), [
        r.text[:200] for r in responses if "error" in r.text
    ]
    assert count() - before == 50


def test_email_with_40_mb_of_attachments_is_logged(live_server, limits):
    """The add-ons send up to 40 MB of attachments (base64: 53 MB of JSON): with the default
    limits such an email is logged, attachments included, on a prefork worker."""
    token = _token(live_server)
    partner_id = live_server.call_kw(live_server.browser(), "res.partner", "create", [{"name": "Big Mail"}])
    content = base64.b64encode(os.urandom(40 * 1024 * 1024 - 1024)).decode()
    params = {
        "model": "res.partner",
        "res_id": partner_id,
        "body": "<p>Forty megabytes</p>",
        "attachments": [["big.bin", content]],
    }
    response = live_server.rpc("/mail_plugin/log_mail_content", params, token=token)
    assert response.status_code == 200 and response.json().get("result") is True, response.text[:300]
    sizes = live_server.sql(
        "SELECT file_size FROM ir_attachment WHERE res_model = 'res.partner' AND res_id = %s",
        [partner_id],
    )
    assert sizes == [(40 * 1024 * 1024 - 1024,)]
