from odoo.tests import BaseCase, tagged

from ..tools.contact_names import contact_name, name_from_email


@tagged("post_install", "-at_install")
class TestContactNames(BaseCase):
    def test_name_from_address(self):
        cases = {
            "bob.newcomer@acme.example": "Bob Newcomer",
            "BOB.SMITH@ACME.EXAMPLE": "Bob Smith",
            "marie-claire_dupont+news@acme.example": "Marie-Claire Dupont",
            "bob@acme.example": "Bob",
            "info@acme.example": "",
            "no-reply@acme.example": "",
            "sales+eu@acme.example": "",
            "12345@acme.example": "",
            "not an address": "",
        }
        for email, expected in cases.items():
            self.assertEqual(name_from_email(email), expected, email)

    def test_given_name_wins_unless_it_is_the_address(self):
        email = "bob.newcomer@acme.example"
        self.assertEqual(contact_name("Bob Newcomer", email), "Bob Newcomer")
        self.assertEqual(contact_name("  Robert N.  ", email), "Robert N.")
        for name in ("", None, email, "BOB.NEWCOMER@acme.example", f"<{email}>", f" {email} "):
            self.assertEqual(contact_name(name, email), "Bob Newcomer", name)
        self.assertEqual(contact_name(f'"Bobby" <{email}>', email), "Bobby")
        self.assertEqual(contact_name("info@acme.example", "info@acme.example"), "info@acme.example")
        self.assertEqual(contact_name("", "4711@acme.example"), "4711@acme.example")
