"""Property-based fuzzing of every /mail_plugin/ JSON endpoint through HTTP (hypothesis).

For every generated call: no HTTP 500, a JSON body, no traceback, no "internal error" (an
unhandled exception hidden by the error handler is still a bug), and when the call fails, not
one row more or less in the tables an endpoint may write. A call with a NUL or a lone surrogate
anywhere (a value, a list item, a dict key, at any depth) must be refused as such.

Every string position gets plain, hostile, poisoned (NUL, lone surrogates), huge and deeply
nested values; bodies are written by hand, so that lone surrogates travel as JSON escapes
("\\ud800"). Each endpoint first runs a fixed list of seed examples (``@example``: each of its
parameters poisoned, huge, nested, as a list item and as a key), then random ones, new on each
run; hypothesis prints the example to replay when one fails.

The routes are read from the routing map, so every route is fuzzed: with parameters shaped
for it when it is known below, with generic ones otherwise.
MPG_FUZZ_EXAMPLES (default 60) sets the random examples per endpoint; MPG_FUZZ_DERANDOMIZE=1
draws the same examples on every run.
"""

import base64
import contextlib
import json
import os
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odoo.tests import new_test_user, tagged

from ..tools import params
from ..tools.exceptions import MailPluginError
from .common import MailPluginHttpCase

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
STATS = {"requests": 0, "poisoned": 0}
DERANDOMIZE = bool(os.environ.get("MPG_FUZZ_DERANDOMIZE"))
# Characters no column can store: NUL, and lone halves of a UTF-16 surrogate pair.
POISON = ["\x00", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]
HEX = "0123456789abcdef"
REFUSED_TEXT = "null character or half of a Unicode pair"
HUGE = ["x" * 70_000, "é" * 300_000, "<p>" * 200_000]


def nested(depth, leaf="x"):
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def is_poisoned(value):
    """Whether a NUL or a lone surrogate is anywhere in ``value`` (keys included)."""
    if isinstance(value, str):
        return any(char in value for char in POISON) or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(is_poisoned(key) or is_poisoned(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(is_poisoned(item) for item in value)
    return False


def seed_examples(names):
    """The fixed examples of an endpoint: each parameter poisoned, huge and nested, as a value,
    a list item and a dict key; plus a poisoned unknown parameter and a poisoned name."""
    seeds = [{}, {"extra\x00": 1}, {"\ud800": "x"}, {"extra": nested(300)}]
    for name in names:
        seeds += [
            {name: "\x00"},
            {name: "ok\ud800"},
            {name: "\udfffok"},
            {name: ["a", "b\x00"]},
            {name: [["deep", ["\ud83d"]]]},
            {name: {"key\x00": "v"}},
            {name: {"k": "\udc00"}},
            {name: HUGE[0]},
            {name: nested(200)},
            {name: [[f"n{i}.txt", "\x00"] for i in range(3)]},
        ]
    return seeds


def _strategies(ids):
    """Parameter strategies: plausible values mixed with hostile ones. ``ids`` maps a kind of
    record to ids that exist (own and foreign) so that ids hit real rows too."""
    poison = st.sampled_from(POISON)
    poisoned = st.builds(lambda a, bad, b: a + bad + b, st.text(max_size=12), poison, st.text(max_size=12))
    text = st.one_of(st.text(max_size=40), poisoned)
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
            "é" * 300,
            *POISON,
            *HUGE,
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
    anything = st.one_of(
        st.recursive(
            scalars,
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
            max_leaves=8,
        ),
        st.builds(nested, st.integers(min_value=1, max_value=400), st.one_of(text, st.integers())),
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
        st.integers(min_value=0, max_value=3000).map(lambda count: [["a.txt", ""]] * count),
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
        if raw is None:
            # Written by hand: lone surrogates must travel as JSON escapes.
            raw = json.dumps({"jsonrpc": "2.0", "id": 1, "params": params}, ensure_ascii=True).encode()
        response = self.rpc_raw(path, raw, headers={"Authorization": f"Bearer {token}"})
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
        if params is not None and is_poisoned(params) and response.status_code != 413:
            STATS["poisoned"] += 1
            self.assertIn("error", body, context)
            self.assertIn(REFUSED_TEXT, body["error"]["data"]["message"], context)

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
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(params)
        def run(generated):
            self.check_call(path, generated, token)

        for seed in seed_examples(names if names != ["_anything"] else ["x"]):
            run = example(seed)(run)
        run()

    def test_fuzz_every_endpoint(self):
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
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.sampled_from(paths), bodies)
        def run(path, raw):
            self.check_call(path, None, token, raw=raw)

        run()

    def test_fuzz_headers(self):
        """The Authorization header and any other header: NUL, control characters, huge and
        Latin-1 values (HTTP carries no lone surrogate). A poisoned header is refused as such;
        only the exact token opens the API."""
        token = self.sign_in()
        # Latin-1 without CR and LF (no client can send them), starting with a visible character
        # (requests refuses leading blanks).
        latin1 = st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\r\n")
        header_text = st.text(alphabet=latin1, max_size=120).map(lambda text: "v" + text)
        poisoned = st.builds(lambda a, b: f"{a}\x00{b}", header_text, header_text)
        value = st.one_of(header_text, poisoned, st.sampled_from(["x" * 8000, "\x00" * 50, ""]))
        authorization = st.one_of(
            value,
            st.builds(lambda t: f"Bearer {t}", st.one_of(st.text(alphabet=HEX, max_size=80), value)),
            st.builds(lambda t: f"Bearer {token[:8]}{t}", st.one_of(st.text(alphabet=HEX), poisoned)),
        )
        names = st.one_of(
            st.sampled_from(
                ["X-Client", "User-Agent", "Origin", "Accept-Language", "Referer", "Cookie", "X-Real-IP"]
            ),
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20).map(lambda n: "X-" + n),
        )  # fmt: skip
        other = st.tuples(names, value)

        @settings(
            max_examples=EXAMPLES * 2,
            deadline=None,
            database=None,
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
        )
        @given(authorization, other)
        @example("Bearer \x00", ("X-Client", "ok"))
        @example(f"Bearer {token[:8]}\x00", ("X-Client", "ok"))
        @example(f"Bearer {token}\x00", ("X-Client", "ok"))
        @example(f"Bearer {token}", ("X-Client", "a\x00b"))
        @example(f"Bearer {token}", ("User-Agent", "\x00"))
        @example(f"Bearer {token}", ("Origin", "https://x\x00.example"))
        @example(f"Bearer {token}", ("Cookie", "session_id=\x00"))
        @example(f"Bearer {token}", ("Accept-Language", "fr\x00"))
        @example(f"Bearer {token}", ("X-Client", "x" * 8000))
        @example("x" * 8000, ("X-Client", "ok"))
        def run(auth_value, other_header):
            name, other_value = other_header
            response = self.rpc(
                "/mail_plugin/get_translations", {}, headers={"Authorization": auth_value, name: other_value}
            )
            STATS["requests"] += 1
            context = f"{auth_value[:60]!r} {name}: {other_value[:60]!r} -> {response.text[:300]}"
            self.assertIn(response.status_code, (200, 429), context)
            body = response.json()
            self.assertNotIn("Traceback", response.text, context)
            if "\x00" in other_value:
                STATS["poisoned"] += 1
                self.assertIn(REFUSED_TEXT, body["error"]["data"]["message"], context)
            elif auth_value != f"Bearer {token}":
                self.assertNotIn("result", body, context)
            else:
                self.assertEqual(body.get("result"), {}, context)

        run()

    def test_fuzz_param_helpers(self):
        """The shared checks return a clean value or raise MailPluginError, nothing else."""
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
            max_examples=EXAMPLES * 10,
            deadline=None,
            database=None,
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
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
