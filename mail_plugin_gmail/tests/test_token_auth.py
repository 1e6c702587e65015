from odoo.tests import tagged

from .common import MailPluginHttpCase


@tagged("post_install", "-at_install")
class TestTokenAuth(MailPluginHttpCase):
    def assertRefused(self, response, message):
        data = self.clean_error(response)
        self.assertEqual(data["name"], "werkzeug.exceptions.BadRequest")
        self.assertIn(message, data["message"])

    def test_token_works_on_data_endpoint(self):
        token = self.sign_in()
        response = self.rpc("/mail_plugin/get_translations", token=token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["result"], {})

    def test_request_runs_as_token_user_in_their_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.user.lang = "fr_FR"
        token = self.sign_in()
        connection = self.env["mail.plugin.connection"].sudo()
        uid = connection._authenticate_token(token)
        self.assertEqual(uid, self.user.id)
        self.assertIsInstance(self.rpc("/mail_plugin/get_translations", token=token).json()["result"], dict)

    def test_missing_token_refused(self):
        self.assertRefused(self.rpc("/mail_plugin/get_translations"), "Access token missing")

    def test_bogus_token_refused(self):
        self.assertRefused(self.rpc("/mail_plugin/get_translations", token="0" * 40), "Access token invalid")

    def test_wrong_scheme_refused(self):
        token = self.sign_in()
        response = self.rpc("/mail_plugin/get_translations", headers={"Authorization": f"Basic {token}"})
        self.assertRefused(response, "Access token missing")

    def test_revoked_token_refused_at_once(self):
        token = self.sign_in()
        connection = self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)])
        connection.with_user(self.user).action_revoke()
        self.assertFalse(connection.exists())
        self.assertRefused(self.rpc("/mail_plugin/get_translations", token=token), "Access token invalid")

    def test_key_removed_from_preferences_refused(self):
        token = self.sign_in()
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)])._remove()
        self.assertRefused(self.rpc("/mail_plugin/get_translations", token=token), "Access token invalid")

    def test_archived_user_token_refused(self):
        token = self.sign_in()
        self.user.active = False
        self.assertRefused(self.rpc("/mail_plugin/get_translations", token=token), "Access token invalid")

    def test_user_turned_portal_refused(self):
        token = self.sign_in()
        self.user.groups_id = [(6, 0, [self.env.ref("base.group_portal").id])]
        self.assertRefused(self.rpc("/mail_plugin/get_translations", token=token), "Access token invalid")

    def test_toggle_off_suspends_and_on_restores(self):
        token = self.sign_in()
        self.set_enabled(False)
        off = self.rpc("/mail_plugin/get_translations", token=token)
        self.assertEqual(off.status_code, 404)
        probe = self.rpc("/mail_plugin/auth/access_token", {"auth_code": None})
        self.assertEqual(probe.status_code, 404)
        self.assertTrue(self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)]))
        self.set_enabled(True)
        on = self.rpc("/mail_plugin/get_translations", token=token)
        self.assertEqual(on.status_code, 200)
        self.assertEqual(on.json()["result"], {})

    def test_last_use_recorded(self):
        token = self.sign_in()
        connection = self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)])
        self.assertFalse(connection.last_use)
        self.rpc("/mail_plugin/get_translations", token=token)
        connection.invalidate_recordset(["last_use"])
        self.assertTrue(connection.last_use)

    def test_legacy_plugin_key_adopted(self):
        """A key issued by Odoo's own mail_plugin before the switch keeps working."""
        key = self.env["res.users.apikeys"].with_user(self.user)._generate("odoo.plugin.outlook", "Outlook")
        response = self.rpc("/mail_plugin/get_translations", token=key)
        self.assertEqual(response.json()["result"], {})
        connection = self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)])
        self.assertEqual(len(connection), 1)
        self.assertEqual(self.rpc("/mail_plugin/get_translations", token=key).json()["result"], {})

    def test_key_of_other_scope_refused(self):
        key = self.env["res.users.apikeys"].with_user(self.user)._generate("rpc-other", "Other")
        self.assertRefused(self.rpc("/mail_plugin/get_translations", token=key), "Access token invalid")
