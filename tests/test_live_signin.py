"""The sign-in, driven from outside against a multi-worker server, as browser and add-on do."""

import html
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode, urlparse

CALLBACK = "https://script.google.com/macros/d/AKfycbLiveTest123/usercallback"


def _consent(server, allow=True, state="live-state"):
    browser = server.browser()
    query = urlencode({"redirect": CALLBACK, "friendlyname": "Gmail", "state": state, "scope": "outlook"})
    page = browser.get(f"{server.url}/mail_plugin/auth?{query}", timeout=30)
    assert page.status_code == 200
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text)
    }
    fields["do"] = "1" if allow else ""
    response = browser.post(
        f"{server.url}/mail_plugin/auth/confirm", data=fields, allow_redirects=False, timeout=30
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlparse(response.headers["Location"]).query).items()}


def test_probe_answers_2xx(live_server):
    response = live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": None})
    assert response.status_code == 200
    assert response.json()["result"] == {"error": "Invalid code"}


def test_full_sign_in_then_data_call(live_server):
    query = _consent(live_server)
    assert query["success"] == "1" and query["state"] == "live-state"
    token = live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": query["auth_code"]})
    token = token.json()["result"]["access_token"]
    answer = live_server.rpc("/mail_plugin/get_translations", token=token)
    assert answer.status_code == 200 and answer.json()["result"] == {}
    # The add-on sends no cookie: the server must not hand it a session either.
    assert "session_id" not in answer.cookies


def test_deny(live_server):
    assert _consent(live_server, allow=False, state="s2") == {"success": "0", "state": "s2"}


def test_concurrent_exchanges_of_one_code_give_exactly_one_token(live_server):
    """8 exchanges of one code at once, on 2 workers: exactly one gets a token, the 7 others
    are refused. Each refused one is a second use of the code (it comes after the winner's
    UPDATE, or is retried after a serialization failure), so it revokes that token: a code
    exchanged twice is a leaked code (RFC 9700 §4.2.4), and in the end no token works."""
    code = _consent(live_server)["auth_code"]
    before = live_server.sql("SELECT count(*) FROM res_users_apikeys")[0][0]
    barrier = threading.Barrier(8)

    def exchange(_):
        barrier.wait()
        return live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(exchange, range(8)))
    tokens = [a["result"]["access_token"] for a in answers if "access_token" in a.get("result", {})]
    refused = [a for a in answers if a.get("result") == {"error": "Invalid code"}]
    assert len(tokens) == 1, answers
    assert len(refused) == 7, answers
    assert live_server.sql("SELECT count(*) FROM res_users_apikeys")[0][0] == before
    answer = live_server.rpc("/mail_plugin/get_translations", token=tokens[0]).json()
    assert "Access token invalid" in answer["error"]["data"]["message"]


def test_one_exchange_gives_one_working_token(live_server):
    """The same code exchanged once (the add-on's case): one token, and it works."""
    code = _consent(live_server)["auth_code"]
    before = live_server.sql("SELECT count(*) FROM res_users_apikeys")[0][0]
    token = live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
    assert live_server.sql("SELECT count(*) FROM res_users_apikeys")[0][0] == before + 1
    answer = live_server.rpc("/mail_plugin/get_translations", token=token["access_token"]).json()
    assert answer["result"] == {}


def test_revocation_holds_across_workers(live_server):
    query = _consent(live_server)
    token = live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": query["auth_code"]}).json()[
        "result"
    ]["access_token"]
    # Warm every worker with the token, then revoke it directly in the database.
    for _ in range(6):
        assert "result" in live_server.rpc("/mail_plugin/get_translations", token=token).json()
    live_server.sql("DELETE FROM res_users_apikeys WHERE id = (SELECT max(id) FROM res_users_apikeys)")
    for _ in range(6):
        body = live_server.rpc("/mail_plugin/get_translations", token=token).json()
        assert "error" in body and "Access token invalid" in body["error"]["data"]["message"]


def test_toggle_off_holds_on_every_worker(live_server):
    admin = live_server.browser()
    set_param = ("ir.config_parameter", "set_param")
    live_server.call_kw(admin, *set_param, ["mail_plugin_gmail.enabled", False])
    try:
        for _ in range(6):
            response = live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": None})
            assert response.status_code == 404
    finally:
        live_server.call_kw(admin, *set_param, ["mail_plugin_gmail.enabled", True])
    for _ in range(6):
        response = live_server.rpc("/mail_plugin/auth/access_token", {"auth_code": None})
        assert response.status_code == 200
