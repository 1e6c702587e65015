"""A copy neutralized with Odoo's own command (``odoo-bin neutralize``) cannot act for users."""

import os
import subprocess

import pytest

from .conftest import REPO, create_database, drop_database, running_server
from .test_live_signin import _consent


@pytest.fixture
def neutralized_copy():
    """A database where a user has signed in the add-on, then neutralized; yields the token
    issued before, and the server restarted on the neutralized database."""
    dbname = os.environ.get("MPG_TEST_DB_PREFIX", "mpg_test_live") + "_neutralize"
    create_database(dbname)
    try:
        with running_server(dbname, workers=0) as server:
            code = _consent(server)["auth_code"]
            answer = server.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()
            token = answer["result"]["access_token"]
            assert "result" in server.rpc("/mail_plugin/get_translations", token=token).json()
        subprocess.run([str(REPO / "scripts" / "odoo"), "neutralize", "-d", dbname], check=True)
        with running_server(dbname, workers=0) as server:
            yield server, token
    finally:
        drop_database(dbname)


def test_neutralized_copy_refuses_api_probe_and_consent(neutralized_copy):
    server, token = neutralized_copy
    assert server.sql("SELECT value FROM ir_config_parameter WHERE key = 'mail_plugin_gmail.enabled'") == []
    assert server.sql("SELECT count(*) FROM res_users_apikeys WHERE scope = 'odoo.plugin.outlook'") == [(0,)]
    api = server.rpc("/mail_plugin/get_translations", token=token)
    assert api.status_code == 404 and "result" not in api.json()
    probe = server.rpc("/mail_plugin/auth/access_token", {"auth_code": None})
    assert probe.status_code == 404 and "result" not in probe.json()
    assert server.rpc("/mail_plugin/auth/check_version").status_code == 404
    browser = server.browser()
    page = browser.get(
        f"{server.url}/mail_plugin/auth",
        params={
            "redirect": "https://script.google.com/macros/d/AKfycbLiveTest123/usercallback",
            "scope": "outlook",
            "state": "s",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert page.status_code == 404
    assert "o_mail_plugin_consent_form" not in page.text
    # Switched on again by hand, the copy still knows no token.
    server.call_kw(browser, "ir.config_parameter", "set_param", ["mail_plugin_gmail.enabled", "True"])
    refused = server.rpc("/mail_plugin/get_translations", token=token).json()
    assert "Access token invalid" in refused["error"]["data"]["message"]
