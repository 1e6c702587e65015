from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..models import mail_plugin_rate_limit as rate_limit_module
from .common import MailPluginHttpCase

LIMITS_LOGGER = "odoo.addons.mail_plugin_gmail.models.mail_plugin_rate_limit"
TOO_MANY = "Too many attempts. Wait a few minutes, then try again."


@tagged("post_install", "-at_install")
class TestRateLimit(MailPluginHttpCase):
    def set_limit(self, name, value):
        self.env["ir.config_parameter"].sudo().set_param(f"mail_plugin_gmail.rate_limit.{name}", value)

    def counter(self, key):
        self.env.cr.execute("SELECT sum(hits) FROM mail_plugin_rate_limit WHERE key = %s", [key])
        return self.env.cr.fetchone()[0] or 0

    def assertTooMany(self, response):
        self.assertEqual(response.status_code, 429, response.text[:300])
        self.assertEqual(response.json()["error"]["data"]["message"], TOO_MANY)
        self.assertGreater(int(response.headers["Retry-After"]), 0)
        self.assertNotIn("Traceback", response.text)

    # --- the counter itself ------------------------------------------------------------------
    def test_counter_counts_per_key_and_refuses_over_the_limit(self):
        limits = self.env["mail.plugin.rate.limit"]
        self.set_limit("confirm_user", "3/600")
        self.assertEqual(
            [bool(limits._hit("confirm_user", "user #1")) for _i in range(5)],
            [False, False, False, True, True],
        )
        self.assertFalse(limits._hit("confirm_user", "user #2"))
        self.assertEqual(self.counter("confirm_user:user #1"), 5)

    def test_burst_across_a_window_boundary_is_still_limited(self):
        """Five events just before a boundary and more just after it: the previous window
        still counts, so the limit holds whatever the time of day the burst happens."""
        limits = self.env["mail.plugin.rate.limit"]
        self.set_limit("confirm_user", "5/600")
        boundary = 1_800_000_000  # a multiple of 600
        with patch.object(rate_limit_module.time, "time", return_value=boundary - 1):
            self.assertEqual([bool(limits._hit("confirm_user", "user #3")) for _i in range(5)], [False] * 5)
        with patch.object(rate_limit_module.time, "time", return_value=boundary + 1):
            self.assertTrue(limits._hit("confirm_user", "user #3"))
        # Once a whole window has passed, the old events no longer weigh.
        with patch.object(rate_limit_module.time, "time", return_value=boundary + 600):
            self.assertFalse(limits._hit("confirm_user", "user #3"))

    def test_limits_are_configurable_and_can_be_turned_off(self):
        limits = self.env["mail.plugin.rate.limit"]
        self.assertEqual(limits._get_limit("code_failure_address"), (20, 600))
        self.set_limit("code_failure_address", "5/60")
        self.assertEqual(limits._get_limit("code_failure_address"), (5, 60))
        self.set_limit("code_failure_address", "0")
        self.assertIsNone(limits._get_limit("code_failure_address"))
        self.assertFalse(limits._hit("code_failure_address", "address x"))
        self.set_limit("code_failure_address", "garbage")
        self.assertEqual(limits._get_limit("code_failure_address"), (20, 600))

    def test_first_event_over_the_limit_is_logged_once(self):
        limits = self.env["mail.plugin.rate.limit"]
        self.set_limit("confirm_address", "2/600")
        with self.assertLogs(LIMITS_LOGGER, "WARNING") as logs:
            for _i in range(5):
                limits._hit("confirm_address", "address 203.0.113.9")
        self.assertEqual(len(logs.output), 1)
        self.assertIn("address 203.0.113.9", logs.output[0])
        self.assertIn("more than 2 events in 600 seconds", logs.output[0])
        self.assertIn("mail_plugin_gmail.rate_limit.confirm_address", logs.output[0])

    def test_old_counters_are_garbage_collected(self):
        limits = self.env["mail.plugin.rate.limit"]
        limits._hit("confirm_user", "user #7")
        self.env.cr.execute(
            "UPDATE mail_plugin_rate_limit SET expires_at = %s",
            [fields.Datetime.now() - timedelta(seconds=1)],
        )
        limits._hit("confirm_user", "user #8")
        self.env.cr.execute("DELETE FROM mail_plugin_rate_limit WHERE key = 'confirm_user:user #8'")
        limits._hit("confirm_user", "user #9")
        limits._gc_rate_limit_counters()
        self.env.cr.execute("SELECT key FROM mail_plugin_rate_limit")
        self.assertEqual([row[0] for row in self.env.cr.fetchall()], ["confirm_user:user #9"])

    # --- on the endpoints --------------------------------------------------------------------
    def test_code_brute_force_is_rate_limited(self):
        self.set_limit("code_failure_address", "5/600")
        for _i in range(5):
            answer = self.rpc("/mail_plugin/auth/access_token", {"auth_code": "g" * 43})
            self.assertEqual(answer.json()["result"], {"error": "Invalid code"})
        with self.assertLogs(LIMITS_LOGGER, "WARNING") as logs:
            self.assertTooMany(self.rpc("/mail_plugin/auth/access_token", {"auth_code": "g" * 43}))
        self.assertIn("code_failure_address reached by address 127.0.0.1", logs.output[0])
        # The probe of the add-on (no code) is never counted nor refused.
        self.assertEqual(self.rpc("/mail_plugin/auth/access_token", {"auth_code": None}).status_code, 200)

    def test_replay_over_the_limit_still_revokes_the_token(self):
        self.set_limit("code_failure_address", "1/600")
        self.rpc("/mail_plugin/auth/access_token", {"auth_code": "h" * 43})  # the one allowed failure
        code = self.query_of(self.consent())["auth_code"]
        token = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"][
            "access_token"
        ]
        self.assertTooMany(self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}))
        refused = self.rpc("/mail_plugin/get_translations", token=token).json()
        self.assertIn("Access token invalid", refused["error"]["data"]["message"])

    def test_code_failures_also_counted_per_code_owner(self):
        self.set_limit("code_failure_user", "1/600")
        code = self.query_of(self.consent())["auth_code"]
        self.rpc("/mail_plugin/auth/access_token", {"auth_code": code})
        self.rpc("/mail_plugin/auth/access_token", {"auth_code": code})
        self.assertEqual(self.counter(f"code_failure_user:user #{self.user.id}"), 1)
        self.assertTooMany(self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}))

    def test_tokens_issued_per_user_are_limited(self):
        self.set_limit("code_exchange_user", "2/3600")
        self.sign_in()
        self.sign_in()
        code = self.query_of(self.consent())["auth_code"]
        self.assertTooMany(self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}))
        self.assertEqual(
            self.env["mail.plugin.connection"].sudo().search_count([("user_id", "=", self.user.id)]), 2
        )
        # The refused code was not consumed: it works once the limit is raised.
        self.set_limit("code_exchange_user", "10/3600")
        answer = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
        self.assertIn("access_token", answer)

    def test_failed_token_checks_are_counted_and_limited(self):
        self.set_limit("token_failure_address", "3/600")
        for _i in range(3):
            answer = self.rpc("/mail_plugin/get_translations", token="f" * 40).json()
            self.assertIn("Access token invalid", answer["error"]["data"]["message"])
        # The refused requests were rolled back, their counts were not.
        self.assertEqual(self.counter("token_failure_address:address 127.0.0.1"), 3)
        self.assertTooMany(self.rpc("/mail_plugin/get_translations", token="f" * 40))

    def test_valid_token_still_works_when_its_address_is_over_the_limit(self):
        """All Gmail traffic comes from Google's servers: one attacker must not lock out
        every user behind the same address."""
        token = self.sign_in()
        self.set_limit("token_failure_address", "1/600")
        self.rpc("/mail_plugin/get_translations", token="f" * 40)
        self.assertTooMany(self.rpc("/mail_plugin/get_translations", token="f" * 40))
        self.assertEqual(self.rpc("/mail_plugin/get_translations", token=token).json()["result"], {})

    def test_failed_token_with_a_users_key_prefix_counts_for_that_user(self):
        token = self.sign_in()
        self.set_limit("token_failure_user", "2/600")
        forged = token[:8] + "0" * 32
        for _i in range(2):
            self.rpc("/mail_plugin/get_translations", token=forged)
        self.assertEqual(self.counter(f"token_failure_user:user #{self.user.id}"), 2)
        self.assertTooMany(self.rpc("/mail_plugin/get_translations", token=forged))

    def test_confirm_is_rate_limited_per_user(self):
        self.set_limit("confirm_user", "2/600")
        self.consent()
        self.consent()
        response = self.consent()
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many sign-ins", response.text)
        self.assertNotIn("Location", response.headers)
        self.assertEqual(self.env["mail.plugin.auth.code"].sudo().search_count([]), 2)
