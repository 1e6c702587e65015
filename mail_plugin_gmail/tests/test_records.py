import base64
from datetime import datetime

from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools.query import Query

from ..models.mail_plugin_records import MAX_LISTED_FAMILY
from .common import MailPluginHttpCase

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 64).decode()


class RecordsCase(MailPluginHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grant_app_groups(
            "sales_team.group_sale_salesman_all_leads",
            "project.group_project_manager",
            "helpdesk.group_helpdesk_user",
        )
        cls.carl = cls.env["res.partner"].create({"name": "Carl Customer", "email": "carl@customer.example"})

    def result(self, response):
        body = response.json()
        self.assertNotIn("error", body, body.get("error"))
        self.assertTrue(body["result"], "a success must be truthy for the add-on")
        return body["result"]

    def error(self, response):
        """The clean JSON-RPC error: its message, and no traceback."""
        return self.clean_error(response)["message"]

    def messages(self, record):
        return self.env["mail.message"].search(
            [("model", "=", record._name), ("res_id", "=", record.id), ("message_type", "=", "comment")]
        )

    def require(self, *models):
        missing = [model for model in models if model not in self.env]
        if missing:
            self.skipTest(f"needs {', '.join(missing)}")


@tagged("post_install", "-at_install")
class TestLogMailContent(RecordsCase):
    """log_mail_content on contacts: runs on every database."""

    def test_log_head_generation(self):
        token = self.sign_in()
        stamp = datetime(2026, 3, 4, 10, 30)
        params = {
            "model": "res.partner",
            "res_id": self.carl.id,
            "body": "<p>Hello <b>there</b></p><script>alert(1)</script><a href='#' onclick='evil()'>x</a>",
            "email_from": "Carl <carl@customer.example>",
            "email_to": "alice@example.com",
            "email_cc": "",
            "subject": "Quote request",
            "timestamp": int((stamp - datetime(1970, 1, 1)).total_seconds() * 1000),
            "application_name": "Odoo for Gmail",
            "attachments": [["quote.pdf", PNG], ["logo.png", PNG]],
        }
        self.assertIs(self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token)), True)
        message = self.messages(self.carl)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subject, "Quote request")
        self.assertEqual(message.author_id, self.user.partner_id)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        body = str(message.body)
        for text in (
            "<b>there</b>",
            "carl@customer.example",
            "alice@example.com",
            "Quote request",
            "Odoo for Gmail",
            "Alice Plugin",
            "2026",
        ):
            self.assertIn(text, body)
        self.assertNotIn("<script", body)
        self.assertNotIn("onclick", body)
        self.assertNotIn("Cc:", body)  # empty headers are left out
        self.assertEqual(sorted(message.attachment_ids.mapped("name")), ["logo.png", "quote.pdf"])
        self.assertEqual(message.attachment_ids[0].raw, base64.b64decode(PNG))

    def test_log_older_generation(self):
        token = self.sign_in()
        params = {
            "model": "res.partner",
            "res_id": self.carl.id,
            "message": "<span>From: carl@customer.example</span><br/><br/><p>Hi</p>"
            "<br/>Logged from Gmail Inbox",
            "attachments": [],
        }
        self.assertIs(self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token)), True)
        message = self.messages(self.carl)
        self.assertEqual(len(message), 1)
        self.assertIn("From: carl@customer.example", str(message.body))
        self.assertIn("Logged from Gmail Inbox", str(message.body))
        # Over the add-on's own limit it sends null: the email is logged without attachments.
        params["attachments"] = None
        self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token))
        params.update(attachments=False, message=False, body="<p>Hi</p>")  # 2026: null -> false
        self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token))
        self.assertEqual(len(self.messages(self.carl)), 3)

    def test_log_refusals_write_nothing(self):
        token = self.sign_in()
        base = {"model": "res.partner", "res_id": self.carl.id, "body": "<p>x</p>"}
        cases = [
            ({"model": "res.users", "res_id": self.user.id}, "cannot be logged"),
            ({"model": "ir.config_parameter"}, "cannot be logged"),
            ({"res_id": 99999999}, "does not exist"),
            ({"res_id": "abc"}, "res_id"),
            ({"res_id": False}, "res_id"),
            ({"model": False}, "model"),
            ({"body": ["not", "html"]}, "body"),
            ({"timestamp": "yesterday"}, "timestamp"),
            ({"attachments": [["a.txt", PNG], ["b.txt", "!!not base64!!"]]}, "base64"),
            ({"attachments": [["a.txt", PNG], "b.txt"]}, "attachments"),
            ({"attachments": {"a.txt": PNG}}, "attachments"),
        ]
        for override, expected in cases:
            with self.subTest(override=override):
                message = self.error(
                    self.rpc("/mail_plugin/log_mail_content", {**base, **override}, token=token)
                )
                self.assertIn(expected, message)
        missing = {"model": "res.partner", "res_id": self.carl.id}
        self.assertIn("body", self.error(self.rpc("/mail_plugin/log_mail_content", missing, token=token)))
        self.assertFalse(self.messages(self.carl))
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.carl.id)]
            )
        )

    def test_log_attachment_size_limit(self):
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.max_attachment_mb", 1)
        token = self.sign_in()
        half = base64.b64encode(b"x" * (600 * 1024)).decode()
        params = {
            "model": "res.partner",
            "res_id": self.carl.id,
            "body": "<p>big</p>",
            "attachments": [["a.bin", half], ["b.bin", half]],
        }
        self.assertIn("1", self.error(self.rpc("/mail_plugin/log_mail_content", params, token=token)))
        self.assertFalse(self.messages(self.carl))
        params["attachments"] = [["a.bin", half]]
        self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token))
        self.assertEqual(len(self.messages(self.carl).attachment_ids), 1)

    def test_default_attachment_limit(self):
        records = self.env["mail.plugin.email"]
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.max_attachment_mb", False)
        self.assertEqual(records._max_attachment_bytes(), 40 * 1024 * 1024)
        settings = self.env["res.config.settings"].create({"mail_plugin_gmail_max_attachment_mb": 3})
        settings.execute()
        self.assertEqual(records._max_attachment_bytes(), 3 * 1024 * 1024)

    def test_restricted_user_cannot_log_on_contact(self):
        """A user who may read contacts but not modify them gets a clear refusal."""
        new_test_user(self.env, login="mp_bob", password="mp_bob_pw12", groups="base.group_user")
        token = self.sign_in("mp_bob", "mp_bob_pw12")
        params = {"model": "res.partner", "res_id": self.carl.id, "body": "<p>x</p>"}
        self.assertIn(
            "not allowed", self.error(self.rpc("/mail_plugin/log_mail_content", params, token=token))
        )
        self.assertFalse(self.messages(self.carl))

    def test_missing_apps_clear_errors(self):
        token = self.sign_in()
        calls = [
            (
                "crm.lead",
                "/mail_plugin/lead/create",
                {"partner_id": self.carl.id, "email_subject": "s"},
                "CRM",
            ),
            (
                "project.task",
                "/mail_plugin/task/create",
                {"partner_id": self.carl.id, "project_id": 1},
                "Project",
            ),
            ("project.project", "/mail_plugin/project/create", {"name": "P"}, "Project"),
            ("project.project", "/mail_plugin/project/search", {"search_term": ""}, "Project"),
            ("helpdesk.ticket", "/mail_plugin/ticket/create", {"partner_id": self.carl.id}, "Helpdesk"),
        ]
        checked = 0
        for model, path, params, app in calls:
            if model in self.env:
                continue
            with self.subTest(path=path):
                self.assertIn(f"{app} app is not installed", self.error(self.rpc(path, params, token=token)))
                checked += 1
            log = {"model": model, "res_id": 1, "body": "x"}
            if model != "project.project":
                self.assertIn(
                    "not installed", self.error(self.rpc("/mail_plugin/log_mail_content", log, token=token))
                )
        records = self.env["mail.plugin.records"]
        data = records._partner_records_data(self.carl)
        for key, model in (("leads", "crm.lead"), ("tasks", "project.task"), ("tickets", "helpdesk.ticket")):
            self.assertEqual(key in data, model in self.env)
        if not checked:
            self.skipTest("every app is installed")


@tagged("post_install", "-at_install")
class TestAppRecords(RecordsCase):
    """Leads, projects and tasks: run where CRM and Project are installed."""

    def setUp(self):
        super().setUp()
        self.require("crm.lead", "project.task")

    def make_leads(self, count, partner=None, **values):
        return self.env["crm.lead"].create(
            [
                {
                    "name": f"Lead {i}",
                    "partner_id": (partner or self.carl).id,
                    "expected_revenue": 1000 * i,
                    "probability": 20,
                    "type": "opportunity",
                    **values,
                }
                for i in range(count)
            ]
        )

    def test_partner_records_data(self):
        leads = self.make_leads(7)
        other = self.env["res.partner"].create({"name": "Other", "email": "other@customer.example"})
        self.make_leads(2, partner=other)
        mail_only = self.env["crm.lead"].create(
            {"name": "From the web form", "email_from": "CARL@customer.example"}
        )
        project = self.env["project.project"].create({"name": "Website"})
        tasks = self.env["project.task"].create(
            [{"name": f"Task {i}", "project_id": project.id, "partner_id": self.carl.id} for i in range(3)]
        )
        data = self.env["mail.plugin.records"].with_user(self.user)._partner_records_data(self.carl)
        self.assertEqual(data["lead_count"], 8)
        self.assertEqual([row["id"] for row in data["leads"]], [mail_only.id, *leads[::-1][:4].ids])
        row = data["leads"][1]
        self.assertEqual(row["lead_id"], row["id"])
        self.assertEqual(row["name"], "Lead 6")
        self.assertIn("6,000.00", row["expected_revenue"])
        self.assertEqual(row["probability"], 20)
        self.assertIn("20 %", row["revenues_description"])
        self.assertEqual(data["task_count"], 3)
        self.assertEqual(
            data["tasks"][0],
            {
                "task_id": tasks[-1].id,
                "id": tasks[-1].id,
                "name": "Task 2",
                "project_name": "Website",
                "projectName": "Website",
            },
        )
        self.assertTrue(data["can_create_lead"])
        self.assertTrue(data["can_create_project"])
        # Unknown sender: empty sections, so that the add-on offers to create.
        empty = (
            self.env["mail.plugin.records"]
            .with_user(self.user)
            ._partner_records_data(self.env["res.partner"])
        )
        self.assertEqual(
            (empty["leads"], empty["lead_count"], empty["tasks"], empty["task_count"]), ([], 0, [], 0)
        )

    def test_partner_records_query_count(self):
        # Counted for this module's apps: another installed module may add sections.
        Apps = type(self.env["mail.plugin.app"])
        descriptions = Apps._app_descriptions
        own = ("res.partner", "crm.lead", "project.task", "helpdesk.ticket", "project.project")
        self.patch(
            Apps, "_app_descriptions", lambda apps: {m: d for m, d in descriptions(apps).items() if m in own}
        )
        # The descriptions are cached per language: built again from the patched method.
        self.env.registry.clear_cache()
        self.addCleanup(self.env.registry.clear_cache)
        project = self.env["project.project"].create({"name": "Website"})
        records = self.env["mail.plugin.records"].with_user(self.user)
        self.make_leads(3)
        self.env["project.task"].create(
            [{"name": "T", "project_id": project.id, "partner_id": self.carl.id}] * 3
        )
        self.env.flush_all()
        self.env.invalidate_all()
        records._partner_records_data(self.carl)  # warm the caches of rules, groups, ...
        self.env.invalidate_all()
        # the contact's address, its family, then one query for both sections (rows and
        # counts); the SQL of the record rules comes from cache
        with self.assertQueryCount(3):
            before = self.cr.sql_log_count
            few = records._partner_records_data(self.carl)
            self.assertEqual(self.cr.sql_log_count - before, 3)
        self.make_leads(10)
        self.env["project.task"].create(
            [{"name": "T", "project_id": project.id, "partner_id": self.carl.id}] * 10
        )
        self.env.flush_all()
        records._partner_records_data(self.carl)
        self.env.invalidate_all()
        with self.assertQueryCount(3):  # the same with more records than the five shown
            before = self.cr.sql_log_count
            many = records._partner_records_data(self.carl)
            self.assertEqual(self.cr.sql_log_count - before, 3)
        self.assertEqual((len(few["leads"]), len(many["leads"]), many["lead_count"]), (3, 5, 13))

    def test_lead_create_for_known_contact(self):
        token = self.sign_in()
        params = {
            "email_body": "<p>Need <b>50</b> chairs</p><script>x()</script>",
            "email_subject": "Chairs",
            "partner_id": self.carl.id,
            "attachments": [["spec.pdf", PNG]],
        }
        result = self.result(self.rpc("/mail_plugin/lead/create", params, token=token))
        lead = self.env["crm.lead"].browse(result["id"])
        self.assertEqual(result["lead_id"], lead.id)
        self.assertEqual((result["name"], result["partner_id"]), ("Chairs", self.carl.id))
        self.assertIn("revenues_description", result)
        self.assertEqual((lead.partner_id, lead.user_id, lead.type), (self.carl, self.user, "opportunity"))
        self.assertIn("<b>50</b>", str(lead.description))
        self.assertNotIn("script", str(lead.description))
        self.assertEqual(
            self.env["ir.attachment"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)]).name,
            "spec.pdf",
        )

    def test_lead_create_for_new_contact(self):
        token = self.sign_in()
        params = {
            "email_body": "<p>Hi</p>",
            "email_subject": "",
            "partner_id": False,
            "partner_email": "Dana <dana@newco.example>",
            "partner_name": "Dana",
            "attachments": False,
        }
        result = self.result(self.rpc("/mail_plugin/lead/create", params, token=token))
        dana = self.env["res.partner"].browse(result["partner_id"])
        self.assertEqual((dana.name, dana.email), ("Dana", "dana@newco.example"))
        self.assertIn("partner_image", result)
        self.assertEqual(self.env["crm.lead"].browse(result["id"]).partner_id, dana)
        self.assertIn("Dana", result["name"])  # default name when the subject is empty
        # The same sender again: the contact is found, not duplicated.
        again = self.result(self.rpc("/mail_plugin/lead/create", params, token=token))
        self.assertEqual(again["partner_id"], dana.id)
        bad = {**params, "partner_email": False}
        self.assertIn("partner_email", self.error(self.rpc("/mail_plugin/lead/create", bad, token=token)))
        gone = {**params, "partner_id": 99999999}
        self.assertIn("contact", self.error(self.rpc("/mail_plugin/lead/create", gone, token=token)))

    def test_project_search_create_and_task(self):
        token = self.sign_in()
        project = self.result(self.rpc("/mail_plugin/project/create", {"name": "Garden"}, token=token))
        self.assertEqual((project["project_id"], project["name"]), (project["id"], "Garden"))
        listed = self.result(self.rpc("/mail_plugin/project/search", {"search_term": ""}, token=token))
        self.assertIsInstance(listed, list)  # a bare list: the older add-on maps over it
        self.assertIn(project["id"], [row["project_id"] for row in listed])
        self.assertEqual(set(listed[0]), {"project_id", "id", "name", "partner_name", "company_id"})
        found = self.result(self.rpc("/mail_plugin/project/search", {"search_term": "gard"}, token=token))
        self.assertEqual([row["name"] for row in found], ["Garden"])
        params = {
            "email_subject": "Fix the fence",
            "email_body": "<p>Broken</p>",
            "project_id": project["id"],
            "partner_id": self.carl.id,
            "attachments": [["fence.png", PNG]],
        }
        task = self.result(self.rpc("/mail_plugin/task/create", params, token=token))
        self.assertEqual(
            (task["task_id"], task["name"], task["project_name"]), (task["id"], "Fix the fence", "Garden")
        )
        record = self.env["project.task"].browse(task["id"])
        self.assertEqual((record.partner_id, record.user_ids), (self.carl, self.user))
        self.assertIn("Broken", str(record.description))
        self.assertEqual(len(record.attachment_ids), 1)
        for bad, expected in (({"project_id": 99999999}, "project"), ({"project_id": False}, "project_id")):
            self.assertIn(
                expected, self.error(self.rpc("/mail_plugin/task/create", {**params, **bad}, token=token))
            )
        self.assertIn("name", self.error(self.rpc("/mail_plugin/project/create", {"name": ""}, token=token)))

    def test_search_records(self):
        records = self.env["mail.plugin.records"].with_user(self.user)
        self.make_leads(3, name="Boat rental")
        self.env["crm.lead"].create({"name": "Other", "email_from": "boat@harbour.example"})
        rows, total = records._search_records("crm.lead", "boat")
        self.assertEqual(total, 4)
        rows, total = records._search_records("crm.lead", ["boat", "zz"], limit=2)
        self.assertEqual((len(rows), total), (2, 4))
        self.assertEqual(records._search_records("crm.lead", ""), [[], 0])
        project = self.env["project.project"].create({"name": "Harbour", "partner_id": self.carl.id})
        rows, _total = records._search_records("project.project", "")
        row = next(row for row in rows if row["id"] == project.id)
        self.assertEqual(row["partner_name"], "Carl Customer")
        self.assertEqual(
            set(row), {"id", "project_id", "name", "partner_name", "stage_name", "company_name", "company_id"}
        )
        for model, query, expected in (
            ("res.users", "a", "cannot be searched"),
            ("crm.lead", 5, "query"),
            ("crm.lead", [1], "query"),
        ):
            with self.subTest(model=model, query=query), self.assertRaisesRegex(Exception, expected):
                records._search_records(model, query)

    def test_log_on_lead_and_task(self):
        token = self.sign_in()
        lead = self.make_leads(1, user_id=self.user.id)
        project = self.env["project.project"].create({"name": "Website"})
        task = self.env["project.task"].create({"name": "T", "project_id": project.id})
        for record in (lead, task):
            params = {
                "model": record._name,
                "res_id": record.id,
                "body": "<p>Logged</p>",
                "subject": "S",
                "attachments": [["a.txt", PNG]],
                "timestamp": 1767225600000,
            }
            self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token))
            self.assertEqual(len(self.messages(record).attachment_ids), 1)

    def test_restricted_salesman_cannot_log_on_others_lead(self):
        """A salesman limited to their own leads may not log on a colleague's lead."""
        new_test_user(
            self.env,
            login="mp_bob",
            password="mp_bob_pw12",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        colleague = new_test_user(self.env, login="mp_carol", groups="sales_team.group_sale_salesman")
        lead = self.make_leads(1, user_id=colleague.id)
        token = self.sign_in("mp_bob", "mp_bob_pw12")
        params = {"model": "crm.lead", "res_id": lead.id, "body": "<p>x</p>"}
        self.assertIn(
            "not allowed", self.error(self.rpc("/mail_plugin/log_mail_content", params, token=token))
        )
        self.assertFalse(self.messages(lead))

    def test_legacy_form_actions(self):
        """The older add-on's links name actions of Odoo's connector modules: the loader
        answers them with a form action of the model."""
        self.authenticate("mp_alice", "mp_alice_pw1")
        for xmlid, model in (
            ("crm_mail_plugin.crm_lead_action_form_edit", "crm.lead"),
            ("project_mail_plugin.project_task_action_form_edit", "project.task"),
        ):
            action = self.make_jsonrpc_request("/web/action/load", {"action_id": xmlid})
            self.assertEqual((action["res_model"], action["views"][0][1]), (model, "form"))
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request("/web/action/load", {"action_id": "crm_mail_plugin.nothing_here"})

    def test_legacy_links_open_form_in_browser(self):
        """Without the stand-in action, the web client shows "Missing Record: The action
        'crm_mail_plugin.crm_lead_action_form_edit' does not exist" over an empty page."""
        lead = self.make_leads(1, name="Browser lead")
        project = self.env["project.project"].create({"name": "Website"})
        task = self.env["project.task"].create({"name": "Browser task", "project_id": project.id})
        self.user.password = "mp_alice"  # browser_js signs in with the login as password
        links = (
            (lead, "crm_mail_plugin.crm_lead_action_form_edit"),
            (task, "project_mail_plugin.project_task_action_form_edit"),
        )
        for record, action in links:
            url = f"/web#id={record.id}&action={action}&model={record._name}&view_type=form"
            code = (
                """
                const check = () => {
                    const name = document.querySelector(
                        '.o_form_view .o_field_widget[name=name] input, '
                        + '.o_form_view .o_field_widget[name=name] textarea');
                    if (name && name.value === '%s') { console.log('test successful'); }
                    else { setTimeout(check, 200); }
                };
                check();
            """
                % record.name
            )
            self.browser_js(url, code, ready="odoo.isReady", login="mp_alice", timeout=60)

    def test_create_refusals_write_nothing(self):
        """A bad attachment after a good one: neither the contact nor the lead is created."""
        token = self.sign_in()
        params = {
            "email_body": "<p>Hi</p>",
            "email_subject": "Half",
            "partner_id": False,
            "partner_email": "erin@half.example",
            "partner_name": "Erin",
            "attachments": [["ok.png", PNG], ["bad.png", "%%%"]],
        }
        self.assertIn("base64", self.error(self.rpc("/mail_plugin/lead/create", params, token=token)))
        self.assertFalse(self.env["res.partner"].search([("email", "=", "erin@half.example")]))
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Half")]))

    def test_lead_create_in_contact_company(self):
        """The lead goes to the contact's company when the user works in it."""
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.user.company_ids = [(4, company_b.id)]
        contact = self.env["res.partner"].create(
            {"name": "Bea", "email": "bea@b.example", "company_id": company_b.id}
        )
        token = self.sign_in()
        params = {"email_body": "<p>Hi</p>", "email_subject": "B deal", "partner_id": contact.id}
        result = self.result(self.rpc("/mail_plugin/lead/create", params, token=token))
        self.assertEqual(self.env["crm.lead"].browse(result["id"]).company_id, company_b)

    def test_partner_records_follow_access_rights(self):
        """No CRM rights: no section. A salesman sees only the leads he may read."""
        records = self.env["mail.plugin.records"]
        clerk = new_test_user(self.env, login="mp_clerk", groups="base.group_user")
        self.assertNotIn("leads", records.with_user(clerk)._partner_records_data(self.carl))
        salesman = new_test_user(self.env, login="mp_bob", groups="sales_team.group_sale_salesman")
        colleague = new_test_user(self.env, login="mp_carol", groups="sales_team.group_sale_salesman")
        mine = self.make_leads(1, user_id=salesman.id)
        self.make_leads(2, user_id=colleague.id)
        data = records.with_user(salesman)._partner_records_data(self.carl)
        self.assertEqual(([row["id"] for row in data["leads"]], data["lead_count"]), (mine.ids, 1))

    def test_partner_records_match_the_orm_for_any_family(self):
        """A contact alone, a company with a few people and one with more than
        MAX_LISTED_FAMILY (each read its own way, see _partner_family): the five newest
        records and the total are what the ORM's own search finds, for the user."""
        Partner = self.env["res.partner"]
        small = Partner.create({"name": "Small Co", "is_company": True, "email": "hello@small.example"})
        people = Partner.create([{"name": f"Small {i}", "parent_id": small.id} for i in range(3)])
        gone = Partner.create({"name": "Gone", "parent_id": small.id, "active": False})
        big = Partner.create({"name": "Big Co", "is_company": True})
        crowd = Partner.create(
            [{"name": f"Big {i}", "parent_id": big.id} for i in range(MAX_LISTED_FAMILY + 2)]
        )
        salesman = new_test_user(self.env, login="mp_family_sales", groups="sales_team.group_sale_salesman")
        owners = [salesman, self.env.user]
        holders = [self.carl, small, *people, gone, *crowd[:9]]
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Lead {i}", "partner_id": holders[i % len(holders)].id, "user_id": owners[i % 2].id}
                for i in range(60)
            ]
            # more than five for some: each member's newest come first
            + [
                {"name": f"Carl {i}", "partner_id": self.carl.id, "user_id": owners[i % 2].id}
                for i in range(12)
            ]
            + [
                {"name": f"Small {i}", "partner_id": people[0].id, "user_id": owners[i % 2].id}
                for i in range(8)
            ]
            + [{"name": "Web form", "email_from": "Hello@Small.example", "user_id": salesman.id}]
            + [{"name": "Lost", "partner_id": small.id, "active": False}]
        )
        project = self.env["project.project"].create({"name": "Family"})
        tasks = self.env["project.task"].create(
            [
                {"name": f"Task {i}", "project_id": project.id, "partner_id": holders[i % len(holders)].id}
                for i in range(40)
            ]
        )
        self.env.flush_all()
        # Creation dates that interleave the family's members, with ties broken by id.
        for table, records in (("crm_lead", leads), ("project_task", tasks)):
            for index, record_id in enumerate(records.ids):
                self.env.cr.execute(
                    f"UPDATE {table} SET create_date = %s WHERE id = %s",  # noqa: S608 (constant table)
                    [datetime(2026, 1, 1 + (index * 7) % 11), record_id],
                )
        self.env.invalidate_all()
        for user in (self.user, salesman):
            records = self.env["mail.plugin.records"].with_user(user)
            for partner in (self.carl, small, people[0], big):
                family = partner | partner.child_ids
                data = records._partner_records_data(partner)
                for model, key in (("crm.lead", "lead"), ("project.task", "task")):
                    if not self.env[model].with_user(user).check_access_rights("read", raise_exception=False):
                        continue
                    domain = records._partner_records_domain(model, partner, family)
                    found = self.env[model].with_user(user).search(domain, order="create_date desc, id desc")
                    with self.subTest(user=user.login, partner=partner.name, model=model):
                        self.assertEqual([row["id"] for row in data[f"{key}s"]], found[:5].ids)
                        self.assertEqual(data[f"{key}_count"], len(found))
        records = self.env["mail.plugin.records"].with_user(self.user)
        self.assertEqual(records._partner_family(small), sorted((small | people).ids))
        self.assertIsInstance(records._partner_family(big), Query)
        # four leads each for the company and its three active people, eight more for one of
        # them, and the web form's lead; neither the archived lead nor the archived person's
        self.assertEqual(records._partner_records_data(small)["lead_count"], 25)

    def test_contact_newest_leads_read_in_index_order(self):
        """CRM's section reads each family member's newest leads from the index in order (the
        five of a contact with 10,000 leads, not all of them); the task section, whose table
        has no such index, gathers the contact's tasks first."""
        records = self.env["mail.plugin.records"].with_user(self.user)

        def section(model, family):
            return self.env.cr.mogrify(records._partner_section_sql(model, self.carl, family)).decode()

        newest = 'ORDER BY "{table}"."create_date" DESC, "{table}"."id" DESC LIMIT 5'
        child = self.env["res.partner"].create({"name": "Carl's office", "parent_id": self.carl.id})
        alone = section("crm.lead", [self.carl.id])
        self.assertIn(newest.format(table="crm_lead"), alone)
        self.assertNotIn("LATERAL", alone)
        family = section("crm.lead", [self.carl.id, child.id])
        self.assertIn(newest.format(table="crm_lead"), family)
        self.assertIn("LATERAL", family)
        self.assertNotIn(newest.format(table="project_task"), section("project.task", [self.carl.id]))
        many = section("crm.lead", records._partner_family_query(self.carl))
        self.assertNotIn(newest.format(table="crm_lead"), many)
