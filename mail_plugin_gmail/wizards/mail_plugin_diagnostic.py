"""Check connection: what stops the add-on from reaching this database, and how to fix it."""

from urllib.parse import urlsplit

import psycopg2
import requests

from odoo import _, api, fields, models
from odoo.http import db_filter, request
from odoo.service import db as db_service

PROBE_PATH = "/mail_plugin/auth/access_token"
PROBE_TIMEOUT = 5


def _netloc(url):
    """(host, port) of an address, lower-cased; the usual ports 80 and 443 count as none, so
    that a scheme mismatch is left to the HTTPS check and only a real difference shows here."""
    parts = urlsplit(url)
    port = parts.port if parts.port not in (80, 443) else None
    return (parts.hostname or "").lower(), port


class MailPluginDiagnostic(models.TransientModel):
    """The result of Check connection: one line per condition the add-on needs."""

    _name = "mail.plugin.diagnostic"
    _description = "Mail Plugin Connection Check"

    base_url = fields.Char(readonly=True)
    line_ids = fields.One2many("mail.plugin.diagnostic.line", "diagnostic_id", readonly=True)
    state = fields.Selection(
        [("ok", "Ready"), ("warning", "Works, with warnings"), ("error", "Will not connect")],
        readonly=True,
    )
    report_html = fields.Html(compute="_compute_report_html", sanitize=False)

    @api.depends("line_ids")
    def _compute_report_html(self):
        """The lines as a table whose long messages and hints wrap (a list view cuts them)."""
        for report in self:
            report.report_html = self.env["ir.qweb"]._render(
                "mail_plugin_gmail.diagnostic_report", {"lines": report.line_ids}
            )

    # --- the checks ------------------------------------------------------------------------
    @api.model
    def _gather_facts(self, request_host=None):
        """The server's actual state, as the checks read it."""
        # sudo: reads two known parameters; the report itself is for administrators only.
        params = self.env["ir.config_parameter"].sudo()
        try:
            databases = db_service.list_dbs(force=True)
        except psycopg2.Error:
            databases = None
        return {
            "base_url": (params.get_param("web.base.url") or "").rstrip("/"),
            "frozen": bool(params.get_param("web.base.url.freeze")),
            "enabled": self.env["mail.plugin.connection"]._feature_enabled(),
            "request_host": request_host,  # e.g. https://odoo.example.com/
            "databases": databases,
            "db_name": self.env.cr.dbname,
        }

    @api.model
    def _probe(self, base_url):
        """Call the add-on's reachability probe through ``base_url``: (ok, detail).

        Only ``web.base.url`` is ever given here, never an address from a request.
        """
        try:
            response = requests.post(
                base_url + PROBE_PATH,
                json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": {"auth_code": None}},
                timeout=PROBE_TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return False, str(exc.__class__.__name__)
        return 200 <= response.status_code < 300, f"HTTP {response.status_code}"

    @api.model
    def _run_checks(self, facts, probe=None):
        """One result per condition: dicts with code, name, state, message, hint.

        ``facts`` comes from _gather_facts (tests give their own); ``probe`` takes the base URL and
        returns (ok, detail), None skips the probe.
        """
        base_url, host = facts["base_url"], (facts.get("request_host") or "").rstrip("/")
        results = []

        def add(code, name, state, message, hint=""):
            results.append({"code": code, "name": name, "state": state, "message": message, "hint": hint})

        name = _("Mail Plugin is on")
        if facts["enabled"]:
            add("enabled", name, "ok", _("The add-on may sign in to this database."))
        else:
            add(
                "enabled",
                name,
                "error",
                _("Mail Plugin is off: the add-on's requests are refused."),
                _("Tick Mail Plugin in this block and save."),
            )

        name = _("Secure address")
        scheme = urlsplit(base_url).scheme
        if scheme == "https":
            add("https", name, "ok", _("%s uses HTTPS.", base_url))
        else:
            add(
                "https",
                name,
                "error",
                _(
                    "%s is not an HTTPS address: Google lets add-ons fetch HTTPS addresses only.",
                    base_url or _("The base URL"),
                ),
                _(
                    "Serve Odoo behind an HTTPS reverse proxy (with proxy_mode on), then open Odoo "
                    "through https:// so that web.base.url becomes your HTTPS address."
                ),
            )

        name = _("Address matches")
        if not host:
            add(
                "host",
                name,
                "warning",
                _("The address used to open Odoo is unknown here."),
                _("Run this check from the browser, in Settings."),
            )
        elif _netloc(host) == _netloc(base_url):
            add("host", name, "ok", _("You use %s, the address users enter in the add-on.", base_url))
        else:
            add(
                "host",
                name,
                "error",
                _("You opened Odoo as %(host)s but web.base.url is %(url)s.", host=host, url=base_url),
                _(
                    "Users must enter the address Odoo answers at. Set the system parameter "
                    "web.base.url to the public address (log in once through it as an administrator "
                    "while it is not frozen), and check your proxy passes the Host header."
                ),
            )

        name = _("Base URL frozen")
        if facts["frozen"]:
            add("frozen", name, "ok", _("web.base.url.freeze is set: the address stays as it is."))
        else:
            add(
                "frozen",
                name,
                "warning",
                _("web.base.url changes whenever an administrator logs in through another address."),
                _(
                    "In Settings, Technical, System Parameters, add web.base.url.freeze with the "
                    "value True."
                ),
            )

        name = _("One database for this address")
        databases = facts.get("databases")
        url_host = urlsplit(base_url).netloc
        if databases is None:
            add(
                "dbfilter",
                name,
                "warning",
                _("The list of databases could not be read."),
                _("Check the server's db_host, db_user and dbfilter options."),
            )
        else:
            answering = db_filter(databases, host=url_host)
            if answering == [facts["db_name"]]:
                add(
                    "dbfilter",
                    name,
                    "ok",
                    _("Requests to %(host)s go to %(db)s.", host=url_host, db=facts["db_name"]),
                )
            elif facts["db_name"] not in answering:
                add(
                    "dbfilter",
                    name,
                    "error",
                    _(
                        "The server's dbfilter hides %(db)s from %(host)s.",
                        db=facts["db_name"],
                        host=url_host,
                    ),
                    _(
                        "Change the server's dbfilter (or --database) so that %(host)s selects %(db)s, "
                        "then restart Odoo.",
                        host=url_host,
                        db=facts["db_name"],
                    ),
                )
            else:
                add(
                    "dbfilter",
                    name,
                    "error",
                    _(
                        "%(count)s databases answer at %(host)s: %(dbs)s. The add-on sends no "
                        "session, so Odoo cannot choose one.",
                        count=len(answering),
                        host=url_host,
                        dbs=", ".join(answering),
                    ),
                    _(
                        "Give each database its own host name and set dbfilter = ^%%d$ (or "
                        "^%(db)s$ for this server alone) in the server's configuration, then restart "
                        "Odoo.",
                        db=facts["db_name"],
                    ),
                )

        name = _("Add-on endpoint answers")
        if probe is None or not base_url:
            add("probe", name, "warning", _("Not tried."))
        else:
            ok, detail = probe(base_url)
            if ok:
                add(
                    "probe",
                    name,
                    "ok",
                    _("%(url)s answers (%(detail)s).", url=base_url + PROBE_PATH, detail=detail),
                )
            else:
                add(
                    "probe",
                    name,
                    "error",
                    _(
                        "%(url)s does not answer as expected (%(detail)s).",
                        url=base_url + PROBE_PATH,
                        detail=detail,
                    ),
                    _(
                        "The server must reach itself through web.base.url, and that address must "
                        "lead to this database: fix the failed lines above first, then check the "
                        "proxy and firewall."
                    ),
                )
        return results

    @api.model
    def _summary_state(self, results):
        states = {result["state"] for result in results}
        return "error" if "error" in states else "warning" if "warning" in states else "ok"

    @api.model
    def _create_report(self, results, base_url):
        return self.create(
            {
                "base_url": base_url,
                "state": self._summary_state(results),
                "line_ids": [
                    fields.Command.create({"sequence": seq, **result}) for seq, result in enumerate(results)
                ],
            }
        )

    @api.model
    def action_check(self):
        """Run every check against the live server and open the report."""
        request_host = request.httprequest.host_url if request else None
        facts = self._gather_facts(request_host)
        report = self._create_report(self._run_checks(facts, probe=self._probe), facts["base_url"])
        return report._action_open()

    def _action_open(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Mail Plugin connection check"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class MailPluginDiagnosticLine(models.TransientModel):
    _name = "mail.plugin.diagnostic.line"
    _description = "Mail Plugin Connection Check Line"
    _order = "sequence, id"

    diagnostic_id = fields.Many2one("mail.plugin.diagnostic", required=True, ondelete="cascade")
    sequence = fields.Integer()
    code = fields.Char()
    name = fields.Char(string="Check")
    state = fields.Selection([("ok", "OK"), ("warning", "Warning"), ("error", "Error")])
    message = fields.Char(string="Result")
    hint = fields.Char(string="How to fix")
