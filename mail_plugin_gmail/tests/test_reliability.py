"""Writes the add-on may repeat: a creation retried after a lost answer, and logs that
subscribe their author. Their behaviour under real concurrency (several workers and
servers) is tested from outside, in the repository's tests/test_live_faults.py."""

from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .test_records import RecordsCase


@tagged("post_install", "-at_install")
class TestIdempotentCreates(RecordsCase):
    def lead_params(self, **values):
        params = {"partner_id": self.carl.id, "email_subject": "Chairs", "email_body": "<p>10 chairs</p>"}
        return {**params, **values}

    def create_lead(self, token, **values):
        return self.result(self.rpc("/mail_plugin/lead/create", self.lead_params(**values), token=token))

    def test_retried_lead_create_returns_the_first_lead(self):
        self.require("crm.lead")
        token = self.sign_in()
        first = self.create_lead(token)
        again = self.create_lead(token)
        self.assertEqual(again, first)
        self.assertEqual(self.env["crm.lead"].search_count([("name", "=", "Chairs")]), 1)
        # Another email (body or subject) or another contact is another lead.
        other_body = self.create_lead(token, email_body="<p>12 chairs</p>")
        self.assertNotEqual(other_body["lead_id"], first["lead_id"])
        self.assertNotEqual(self.create_lead(token, email_subject="Tables")["lead_id"], first["lead_id"])
        dana = self.env["res.partner"].create({"name": "Dana", "email": "dana@customer.example"})
        self.assertNotEqual(self.create_lead(token, partner_id=dana.id)["lead_id"], first["lead_id"])

    def test_retry_for_unknown_sender_makes_one_contact_and_one_lead(self):
        self.require("crm.lead")
        token = self.sign_in()
        params = {
            "partner_email": "new.buyer@customer.example",
            "partner_name": "New Buyer",
            "email_subject": "Desks",
            "email_body": "<p>4 desks</p>",
        }
        first = self.result(self.rpc("/mail_plugin/lead/create", params, token=token))
        again = self.result(self.rpc("/mail_plugin/lead/create", params, token=token))
        self.assertEqual((again["lead_id"], again["partner_id"]), (first["lead_id"], first["partner_id"]))
        partners = self.env["res.partner"].search([("email", "=", "new.buyer@customer.example")])
        self.assertEqual(partners.ids, [first["partner_id"]])

    def test_same_request_of_another_user_is_their_own(self):
        self.require("crm.lead")
        token = self.sign_in()
        other = new_test_user(
            self.env, "mp_bob", password="mp_bob_pw1", groups="base.group_user,sales_team.group_sale_salesman"
        )
        self.assertTrue(other)
        first = self.create_lead(token)
        second = self.create_lead(self.sign_in("mp_bob", "mp_bob_pw1"))
        self.assertNotEqual(second["lead_id"], first["lead_id"])

    def test_after_the_window_the_same_request_makes_a_new_lead(self):
        self.require("crm.lead")
        token = self.sign_in()
        first = self.create_lead(token)
        self.env.cr.execute(
            "UPDATE mail_plugin_creation SET created_at = %s",
            [fields.Datetime.now() - timedelta(minutes=6)],
        )
        self.assertNotEqual(self.create_lead(token)["lead_id"], first["lead_id"])

    def test_deleted_lead_is_made_again(self):
        self.require("crm.lead")
        token = self.sign_in()
        first = self.create_lead(token)
        self.env["crm.lead"].browse(first["lead_id"]).unlink()
        again = self.create_lead(token)
        self.assertNotEqual(again["lead_id"], first["lead_id"])
        self.assertTrue(self.env["crm.lead"].browse(again["lead_id"]).exists())
        self.assertEqual(self.create_lead(token), again)

    def test_retried_project_and_task_creates(self):
        self.require("project.task")
        token = self.sign_in()
        for _ in range(2):
            project = self.result(self.rpc("/mail_plugin/project/create", {"name": "Garden"}, token=token))
        self.assertEqual(self.env["project.project"].search_count([("name", "=", "Garden")]), 1)
        params = {**self.lead_params(), "project_id": project["project_id"]}
        task = self.result(self.rpc("/mail_plugin/task/create", params, token=token))
        self.assertEqual(self.result(self.rpc("/mail_plugin/task/create", params, token=token)), task)
        tasks = self.env["project.task"].search([("project_id", "=", project["project_id"])])
        self.assertEqual(tasks.ids, [task["task_id"]])

    def test_refused_create_leaves_no_claim(self):
        self.require("project.task")
        token = self.sign_in()
        creations = self.env["mail.plugin.creation"].sudo()
        before = creations.search_count([])
        params = {**self.lead_params(), "project_id": 999999999}
        self.assertIn("project", self.error(self.rpc("/mail_plugin/task/create", params, token=token)))
        self.assertEqual(creations.search_count([]), before)

    def test_autovacuum_forgets_old_creations(self):
        self.require("crm.lead")
        self.create_lead(self.sign_in())
        creations = self.env["mail.plugin.creation"].sudo()
        self.assertEqual(creations.search_count([]), 1)
        creations._gc_expired()
        self.assertEqual(creations.search_count([]), 1)
        self.env.cr.execute(
            "UPDATE mail_plugin_creation SET created_at = %s",
            [fields.Datetime.now() - timedelta(minutes=6)],
        )
        creations._gc_expired()
        self.assertEqual(creations.search_count([]), 0)


@tagged("post_install", "-at_install")
class TestAuthorFollows(RecordsCase):
    def test_logging_subscribes_the_author_once(self):
        token = self.sign_in()
        self.carl.message_unsubscribe(self.carl.message_partner_ids.ids)
        params = {"model": "res.partner", "res_id": self.carl.id, "message": "<p>Hi</p>"}
        for _ in range(2):
            self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token))
        followers = self.env["mail.followers"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.carl.id)]
        )
        self.assertEqual(followers.partner_id, self.user.partner_id)
        self.assertEqual(
            followers.subtype_ids, self.env["mail.message.subtype"].default_subtypes("res.partner")[0]
        )
        self.assertEqual(len(self.messages(self.carl)), 2)

    def test_existing_follower_keeps_their_subtypes(self):
        token = self.sign_in()
        discussions = self.env.ref("mail.mt_comment")
        self.carl.message_subscribe(self.user.partner_id.ids, subtype_ids=discussions.ids)
        params = {"model": "res.partner", "res_id": self.carl.id, "message": "<p>Hi</p>"}
        self.result(self.rpc("/mail_plugin/log_mail_content", params, token=token))
        follower = self.carl.message_follower_ids.filtered(lambda f: f.partner_id == self.user.partner_id)
        self.assertEqual(follower.subtype_ids, discussions)
