"""A model added to the add-on by one extension of mail.plugin.app works on every endpoint."""

import base64

from odoo.addons.mail_plugin_gmail.tests.common import MailPluginHttpCase
from odoo.tests import tagged

CLAIM = "mail.plugin.test.claim"


@tagged("post_install", "-at_install")
class TestClaimApp(MailPluginHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carl = cls.env["res.partner"].create({"name": "Carl Customer", "email": "carl@customer.example"})
        cls.claim = cls.env[CLAIM].create(
            {"name": "Broken hinge", "reference": "CL-0042", "partner_id": cls.carl.id}
        )

    def setUp(self):
        super().setUp()
        self.token = self.sign_in()

    def result(self, path, params):
        body = self.rpc(path, params, token=self.token).json()
        self.assertNotIn("error", body, body.get("error"))
        return body["result"]

    def test_contact_card_lists_claims(self):
        answer = self.result("/mail_plugin/partner/get", {"email": "carl@customer.example", "name": "Carl"})
        claim_id = self.claim.id
        expected = {"claim_id": claim_id, "id": claim_id, "name": "Broken hinge", "reference": "CL-0042"}
        self.assertEqual(answer["claims"], [expected])
        self.assertEqual(answer["claim_count"], 1)
        self.assertIs(answer["can_create_claim"], True)
        unknown = self.result("/mail_plugin/partner/get", {"email": "nobody@unknown.example", "name": "N"})
        self.assertEqual(unknown["claims"], [])
        self.assertEqual(unknown["claim_count"], 0)

    def test_search_records(self):
        for query in ("hinge", "CL-0042", ["nothing", "broken"]):
            rows, total = self.result(f"/mail_plugin/search_records/{CLAIM}", {"query": query})
            self.assertEqual([row["id"] for row in rows], [self.claim.id], query)
            self.assertEqual(total, 1, query)
        self.assertEqual(self.result(f"/mail_plugin/search_records/{CLAIM}", {"query": "zzz"}), [[], 0])

    def test_create_from_email(self):
        records = self.env["mail.plugin.records"].with_user(self.user)
        body = "<p>Hello</p><script>x()</script>"
        attachments = [("note.txt", b"hi")]
        claim = records._create_from_email(CLAIM, self.carl, "Scratched door &amp; hinge", body, attachments)
        self.assertEqual(claim._name, CLAIM)
        self.assertEqual(claim.name, "Scratched door & hinge")
        self.assertEqual(claim.partner_id, self.carl)
        self.assertEqual(claim.user_id, self.user)
        self.assertNotIn("script", claim.description)
        attached = self.env["ir.attachment"].search([("res_model", "=", CLAIM), ("res_id", "=", claim.id)])
        self.assertEqual(attached.mapped("name"), ["note.txt"])
        row = self.env["mail.plugin.app"]._rows(claim)
        expected = {"claim_id": claim.id, "id": claim.id, "name": "Scratched door & hinge", "reference": ""}
        self.assertEqual(row, [expected])
        unnamed = records._create_from_email(CLAIM, self.carl, "", "")
        self.assertEqual(unnamed.name, "Claim of Carl Customer")

    def test_log_mail_content(self):
        params = {
            "model": CLAIM,
            "res_id": self.claim.id,
            "body": "<p>Any news?</p>",
            "email_from": "carl@customer.example",
            "subject": "News",
            "attachments": [["photo.txt", base64.b64encode(b"pixels").decode()]],
        }
        self.assertIs(self.result("/mail_plugin/log_mail_content", params), True)
        message = self.env["mail.message"].search(
            [("model", "=", CLAIM), ("res_id", "=", self.claim.id), ("message_type", "=", "comment")]
        )
        self.assertEqual(len(message), 1)
        self.assertIn("Any news?", message.body)
        self.assertEqual(message.attachment_ids.mapped("name"), ["photo.txt"])

    def test_open_record_links(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        response = self.url_open(
            f"/mail_plugin/redirect_to_record/{CLAIM}?record_id={self.claim.id}", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"id={self.claim.id}&model={CLAIM}&view_type=form", response.headers["Location"])
        records = self.env["mail.plugin.records"]
        action = records._legacy_addon_action("claim_mail_plugin.claim_action_form_edit")
        view = self.env.ref("mail_plugin_gmail_test_app.mail_plugin_test_claim_view_form")
        self.assertEqual((action["res_model"], action["views"]), (CLAIM, [[view.id, "form"]]))
        whitelist = self.env["mail.plugin.setup"]._addon_whitelist("https://odoo.example.com")
        self.assertIn(f"https://odoo.example.com/mail_plugin/search_records/{CLAIM}", whitelist)
        self.assertIn(f"https://odoo.example.com/mail_plugin/redirect_to_record/{CLAIM}", whitelist)
