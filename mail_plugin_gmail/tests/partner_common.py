from odoo.tests import new_test_user

from .common import MailPluginHttpCase

# A 1x1 transparent PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


class PartnerCase(MailPluginHttpCase):
    """Contacts and companies shared by the partner endpoint tests.

    Domains end in .test so that no public-provider rule and no real company can interfere.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create(
            {
                "name": "Acme Corporation",
                "is_company": True,
                "email": "contact@acme-corp.test",
                "phone": "+32 2 000 00 00",
                "street": "1 Rue de la Loi",
                "zip": "1000",
                "city": "Brussels",
                "country_id": cls.env.ref("base.be").id,
                "website": "https://acme-corp.test",
                "image_1920": PNG,
            }
        )
        cls.jane = Partner.create(
            {
                "name": "Jane Doe",
                "email": '"Jane Doe" <Jane.Doe@ACME-corp.test>',
                "mobile": "+32 470 00 00 00",
                "parent_id": cls.acme.id,
                "image_1920": PNG,
                "ref": "JD-42",
            }
        )
        cls.ann = Partner.create(
            {"name": "Ann Smith", "email": "ann@acme-corp.test", "parent_id": cls.acme.id}
        )
        # A company known by its website only.
        cls.beta = Partner.create(
            {"name": "Beta Tools", "is_company": True, "website": "http://www.beta-tools.test/about"}
        )
        # A company whose email is at a public provider: never a company for gmail.com senders.
        cls.gmail_fans = Partner.create({"name": "Gmail Fans", "is_company": True, "email": "fans@gmail.com"})
        # A contact of another company, hidden from our users by the multi-company rule.
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.hidden = Partner.create(
            {
                "name": "Hidden Contact",
                "email": "hidden@secret-corp.test",
                "company_id": cls.other_company.id,
            }
        )
        cls.hidden_company = Partner.create(
            {
                "name": "Secret Corp",
                "is_company": True,
                "email": "info@secret-corp.test",
                "company_id": cls.other_company.id,
            }
        )
        # A user who may read contacts but not change or create them.
        cls.reader = new_test_user(
            cls.env,
            login="mp_reader",
            password="mp_reader_pw1",
            name="Reader Plugin",
            groups="base.group_user",
            email="reader@example.com",
        )

    def call(self, path, params=None, token=None):
        """The ``result`` of a call that must succeed."""
        body = self.rpc(path, params or {}, token=token).json()
        self.env.invalidate_all()  # the server wrote through the shared cursor, not this cache
        self.assertNotIn("error", body, body.get("error"))
        return body["result"]

    def call_error(self, path, params=None, token=None):
        """The error message of a call that must fail cleanly (no traceback)."""
        return self.clean_error(self.rpc(path, params or {}, token=token))["message"]
