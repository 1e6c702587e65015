from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSettingsTour(HttpCase):
    def test_enable_mail_plugin_from_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("mail_plugin_gmail.enabled", False)
        self.start_tour(
            "/web#action=base_setup.action_general_configuration",
            "mail_plugin_gmail_settings_tour",
            login="admin",
        )
        self.assertEqual(params.get_param("mail_plugin_gmail.enabled"), "True")
