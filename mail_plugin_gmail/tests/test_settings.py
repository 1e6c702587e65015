from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSettings(TransactionCase):
    def test_toggle_stored_as_config_parameter(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("mail_plugin_gmail.enabled", False)
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.mail_plugin_gmail_enabled)
        settings.mail_plugin_gmail_enabled = True
        settings.execute()
        self.assertEqual(params.get_param("mail_plugin_gmail.enabled"), "True")
        self.assertTrue(self.env["mail.plugin.connection"]._feature_enabled())
        settings = self.env["res.config.settings"].create({"mail_plugin_gmail_enabled": False})
        settings.execute()
        self.assertFalse(self.env["mail.plugin.connection"]._feature_enabled())

    def test_stock_checkbox_replaced(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="mail_plugin_gmail_enabled"', arch)
        self.assertNotIn('name="module_mail_plugin"', arch)

    def test_saving_settings_does_not_install_odoo_module(self):
        self.env["res.config.settings"].create({"mail_plugin_gmail_enabled": True}).execute()
        module = self.env["ir.module.module"].search([("name", "=", "mail_plugin")])
        self.assertNotIn(module.state, ("installed", "to install"))

    def test_modules_exclude_each_other(self):
        manifest = self.env["ir.module.module"].search([("name", "=", "mail_plugin_gmail")])
        self.assertIn("mail_plugin", manifest.exclusion_ids.mapped("name"))

    def test_redirect_allowlist(self):
        codes = self.env["mail.plugin.auth.code"]
        self.assertTrue(
            codes._is_redirect_allowed("https://script.google.com/macros/d/AKfycbx_abc-123/usercallback")
        )
        self.assertTrue(codes._is_redirect_allowed(None))
        self.assertTrue(codes._is_redirect_allowed("/mail_plugin/auth/success"))
        for bad in (
            "https://evil.example/usercallback",
            "http://script.google.com/macros/d/AKfycbx_abc-123/usercallback",
            "https://script.google.com/macros/d/AKfycbx_abc-123/usercallback?x=https://evil",
            "https://script.google.com.evil.example/macros/d/AKfycbx_abc-123/usercallback",
            "javascript:alert(1)",
            "//evil.example",
        ):
            self.assertFalse(codes._is_redirect_allowed(bad), bad)
