"""Property-based fuzzing of every /mail_plugin/ JSON endpoint through HTTP (hypothesis).

For every generated call: no HTTP 500, a JSON body, no traceback, no "internal error" (an
unhandled exception hidden by the error handler is still a bug), and when the call fails, not
one row more or less in the tables an endpoint may write.

The routes are read from the routing map, so endpoints merged later are fuzzed too: with
parameters shaped for them when they are known below, with generic ones otherwise.
MPG_FUZZ_EXAMPLES (default 60) sets the examples per endpoint; MPG_FUZZ_RANDOM=1 draws new
examples on each run instead of the same reproducible ones.
"""

import base64
import contextlib
import json
import os
import re

from odoo.tests import new_test_user, tagged

from ..tools import params
from ..tools.exceptions import MailPluginError
from .common import MailPluginHttpCase

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # hypothesis is a development requirement only
    given = None

EXAMPLES = int(os.environ.get("MPG_FUZZ_EXAMPLES", "60"))
WATCHED_TABLES = [
    "res_partner",
    "mail_message",
    "ir_attachment",
    "crm_lead",
    "project_project",
    "project_task",
    "helpdesk_ticket",
    "res_users_apikeys",
    "mail_plugin_connection",
]
# Counted once per run, for tests/SECURITY_RESULTS.md.
STATS = {"requests": 0}


def _strategies(ids):
    """Parameter strategies: plausible values mixed with hostile ones. ``ids`` maps a kind of
    record to ids that exist (own and foreign) so that ids hit real rows too."""
    text = st.text(max_size=40)
    hostile_text = st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "'; DROP TABLE res_partner; --",
            "<script>alert(1)</script>",
            "%%s%s%(x)s",
            "{{7*7}}",
            "\u202e\ufeff",
            "a" * 5000,
            "x" * 70000,
            "é" * 300,
        ]
    )
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
        hostile_text,
    )
    anything = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=8,
    )
    email = st.one_of(
        st.emails(),
        st.sampled_from(
            [
                "alice@example.com",
                "secret@foreign.example",
                "not-an-email",
                "a@b@c",
                "x" * 400 + "@example.com",
            ]
        ),
        anything,
    )
    record_id = st.one_of(
        st.sampled_from(ids["partner"] + ids["foreign"] + ids["project"] + [0, -1, 2**31, 2**31 - 1]),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.sampled_from(["1", "-1", "1.5", "abc", [1], {"id": 1}, 1.5, True]),
        anything,
    )
    b64 = st.binary(max_size=200).map(lambda raw: base64.b64encode(raw).decode())
    attachments = st.one_of(
        st.just([]),
        st.none(),
        st.lists(st.tuples(text, st.one_of(b64, text, st.just("!!not base64!!"))).map(list), max_size=3),
        anything,
    )
    model = st.one_of(
        st.sampled_from(
            [
                "res.partner",
                "crm.lead",
                "project.task",
                "project.project",
                "helpdesk.ticket",
                "res.users",
                "ir.config_parameter",
                "res.users.apikeys",
                "mail.plugin.connection",
                "nonexistent.model",
                "",
            ]
        ),
        anything,
    )
    html = st.one_of(text, hostile_text, st.just("<p>Hello <b>there</b></p>"), anything)
    query = st.one_of(text, hostile_text, st.lists(st.one_of(email, text), max_size=4), anything)
    return {
        "auth_code": st.one_of(text, hostile_text, st.text(min_size=20, max_size=130), anything),
        "email": email,
        "partner_email": email,
        "name": st.one_of(text, hostile_text, anything),
        "partner_name": st.one_of(text, hostile_text, anything),
        "partner_id": record_id,
        "project_id": record_id,
        "res_id": record_id,
        "company": record_id,
        "search_term": query,
        "query": query,
        "limit": st.one_of(st.integers(min_value=-5, max_value=10**9), anything),
        "model": model,
        "message": html,
        "body": html,
        "email_body": html,
        "email_subject": st.one_of(text, hostile_text, anything),
        "subject": st.one_of(text, hostile_text, anything),
        "attachments": attachments,
        "email_from": email,
        "email_to": email,
        "email_cc": email,
        "timestamp": st.one_of(st.integers(min_value=-(2**63), max_value=2**63), anything),
        "application_name": st.one_of(text, anything),
        "_anything": anything,
    }


# Which parameters each known endpoint reads (old and new add-on generations together).
# Params of the routes that make a record from the email that is open (newer add-on's set).
RECORD_FROM_EMAIL_PARAMS = [
    "email_body",
    "email_subject",
    "partner_id",
    "partner_email",
    "partner_name",
    "attachments",
]
ENDPOINT_PARAMS = {
    "/mail_plugin/auth/access_token": ["auth_code"],
    "/mail_plugin/auth/check_version": [],
    "/mail_plugin/get_translations": [],
    "/mail_plugin/partner/get": ["email", "name", "partner_id"],
    "/mail_plugin/partner/search": ["search_term", "limit"],
    "/mail_plugin/partner/create": ["name", "email", "company"],
    "/mail_plugin/partner/enrich_and_create_company": ["partner_id"],
    "/mail_plugin/partner/enrich_and_update_company": ["partner_id"],
    "/mail_plugin/log_mail_content": [
        "message",
        "body",
        "res_id",
        "model",
        "attachments",
        "email_from",
        "email_to",
        "email_cc",
        "subject",
        "timestamp",
        "application_name",
    ],  # fmt: skip
    "/mail_plugin/lead/create": RECORD_FROM_EMAIL_PARAMS,
    "/mail_plugin/ticket/create": RECORD_FROM_EMAIL_PARAMS,
    "/mail_plugin/task/create": [
        "email_body",
        "email_subject",
        "partner_id",
        "partner_email",
        "partner_name",
        "project_id",
        "attachments",
    ],  # fmt: skip
    "/mail_plugin/project/search": ["search_term", "limit"],
    "/mail_plugin/project/create": ["name"],
    "/mail_plugin/search_records": ["query", "limit"],
}
MODEL_ARGS = [
    "res.partner",
    "project.project",
    "crm.lead",
    "project.task",
    "helpdesk.ticket",
    "res.users",
    "x",
]


@tagged("post_install", "-at_install")
class TestFuzz(MailPluginHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Limits would turn long runs of bad codes and tokens into 429s: still clean, but
        # the fuzzer should reach the endpoints themselves.
        for name in (
            "code_failure_address",
            "token_failure_address",
            "code_failure_user",
            "token_failure_user",
        ):
            cls.env["ir.config_parameter"].sudo().set_param(f"mail_plugin_gmail.rate_limit.{name}", "0")
        other = cls.env["res.company"].create({"name": "Fuzz Other Company"})
        own = cls.env["res.partner"].create({"name": "Fuzz Own", "email": "fuzz.own@example.com"})
        foreign = cls.env["res.partner"].create(
            {"name": "Fuzz Foreign", "email": "fuzz.foreign@example.com", "company_id": other.id}
        )
        new_test_user(cls.env, login="mp_fuzz_other", groups="base.group_user")
        project_ids = []
        if "project.project" in cls.env:
            project_ids = cls.env["project.project"].create({"name": "Fuzz Project"}).ids
        cls.ids = {"partner": own.ids, "foreign": foreign.ids, "project": project_ids}

    def json_routes(self):
        """``{path: converter names}`` for every JSON route under /mail_plugin/."""
        routes = {}
        for rule in self.env["ir.http"].routing_map().iter_rules():
            if rule.rule.startswith("/mail_plugin/") and rule.endpoint.routing.get("type") == "json":
                routes[rule.rule] = rule
        return routes

    def concrete_paths(self, rule_path):
        if "<" not in rule_path:
            return [rule_path]
        return [re.sub(r"<[^>]+>", model, rule_path) for model in MODEL_ARGS]

    def row_counts(self):
        counts = {}
        for table in WATCHED_TABLES:
            self.env.cr.execute("SELECT to_regclass(%s)", [table])
            if self.env.cr.fetchone()[0]:
                self.env.cr.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (fixed names)
                counts[table] = self.env.cr.fetchone()[0]
        return counts

    def check_call(self, path, params, token, raw=None):
        before = self.row_counts()
        if raw is not None:
            response = self.rpc_raw(path, raw, headers={"Authorization": f"Bearer {token}"})
        else:
            response = self.rpc(path, params, token=token)
        STATS["requests"] += 1
        context = f"{path} {str(params)[:300]} -> {response.status_code} {response.text[:300]}"
        self.assertLess(response.status_code, 500, context)
        self.assertIn(response.status_code, (200, 400, 403, 404, 413, 429), context)
        self.assertNotIn("Traceback", response.text, context)
        body = response.json()
        self.assertIsInstance(body, dict, context)
        self.assertTrue("result" in body or "error" in body, context)
        failed = "error" in body or (isinstance(body.get("result"), dict) and "error" in body["result"])
        if "error" in body:
            self.assertNotIn("Internal error", body["error"].get("message", ""), context)
            self.assertNotIn("debug", body["error"].get("data", {}), context)
        if failed:
            self.assertEqual(self.row_counts(), before, f"partial write: {context}")

    def fuzz_endpoint(self, path, names, token, examples=EXAMPLES):
        strategies = _strategies(self.ids)
        known = {name: strategies[name] for name in names}
        params = st.fixed_dictionaries(
            {},
            optional={**known, "extra": strategies["_anything"], "self": strategies["_anything"]},
        )
        if not names:
            params = st.dictionaries(st.text(max_size=10), strategies["_anything"], max_size=4)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=not os.environ.get("MPG_FUZZ_RANDOM"),
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(params)
        def run(generated):
            self.check_call(path, generated, token)

        run()

    def test_fuzz_every_endpoint(self):
        if given is None:
            self.skipTest("hypothesis is not installed (requirements-dev.txt)")
        token = self.sign_in()
        routes = self.json_routes()
        self.assertIn("/mail_plugin/auth/access_token", routes)
        for rule_path in sorted(routes):
            names = ENDPOINT_PARAMS.get(re.sub(r"/<[^>]+>$", "", rule_path))
            paths = self.concrete_paths(rule_path)
            # A route with a <model> part shares its examples among the models tried.
            examples = max(10, EXAMPLES // len(paths))
            for path in paths:
                with self.subTest(path=path):
                    self.fuzz_endpoint(path, names if names is not None else ["_anything"], token, examples)

    def test_fuzz_raw_bodies(self):
        """Bytes that are not (good) JSON-RPC, on every route."""
        if given is None:
            self.skipTest("hypothesis is not installed (requirements-dev.txt)")
        token = self.sign_in()
        paths = [p for rule in sorted(self.json_routes()) for p in self.concrete_paths(rule)[:1]]
        bodies = st.one_of(
            st.binary(max_size=300),
            st.text(max_size=300).map(str.encode),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                lambda inner: st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                max_leaves=10,
            ).map(lambda value: json.dumps({"jsonrpc": "2.0", "params": value}).encode()),
        )

        @settings(
            max_examples=EXAMPLES * 2,
            deadline=None,
            database=None,
            derandomize=not os.environ.get("MPG_FUZZ_RANDOM"),
            suppress_health_check=list(HealthCheck),
        )
        @given(st.sampled_from(paths), bodies)
        def run(path, raw):
            self.check_call(path, None, token, raw=raw)

        run()

    def test_fuzz_authorization_header(self):
        if given is None:
            self.skipTest("hypothesis is not installed (requirements-dev.txt)")
        token = self.sign_in()
        header = st.one_of(
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120),
            st.builds(lambda t: f"Bearer {t}", st.text(alphabet="0123456789abcdef", max_size=80)),
            st.builds(lambda t: f"Bearer {token[:8]}{t}", st.text(alphabet="0123456789abcdef", max_size=40)),
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not os.environ.get("MPG_FUZZ_RANDOM"),
            suppress_health_check=list(HealthCheck),
        )
        @given(header)
        def run(value):
            response = self.rpc("/mail_plugin/get_translations", {}, headers={"Authorization": value})
            STATS["requests"] += 1
            self.assertIn(response.status_code, (200, 429), response.text[:300])
            body = response.json()
            self.assertNotIn("Traceback", response.text)
            if value != f"Bearer {token}":
                self.assertNotIn("result", body, value)

        run()

    def test_fuzz_param_helpers(self):
        """The shared checks return a clean value or raise MailPluginError, nothing else."""
        if given is None:
            self.skipTest("hypothesis is not installed (requirements-dev.txt)")
        strategies = _strategies(self.ids)
        checks = [
            lambda v: params.as_id(v, "x"),
            lambda v: params.as_id(v, "x", required=False),
            lambda v: params.as_text(v, "x"),
            lambda v: params.as_email(v, "x", required=False),
            lambda v: params.as_attachments(v, max_bytes=1000),
        ]
        value = st.one_of(
            strategies["_anything"], strategies["email"], strategies["attachments"], strategies["res_id"],
            st.text(alphabet=st.characters(categories=["Nd", "No", "Zs", "Cc"]), max_size=12),
        )  # fmt: skip

        @settings(
            max_examples=EXAMPLES * 10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(st.sampled_from(range(len(checks))), value)
        def run(index, generated):
            with contextlib.suppress(MailPluginError):
                checks[index](generated)

        run()

    @classmethod
    def tearDownClass(cls):
        path = os.environ.get("MPG_FUZZ_STATS")
        if path:
            with open(path, "a", encoding="utf-8") as stats:
                stats.write(json.dumps({"db": cls.env.cr.dbname, "examples": EXAMPLES, **STATS}) + "\n")
        super().tearDownClass()
