"""The set-up guide's three paths, and the table of odoo/mail-client-extensions files it names.

The guide must name exactly the files of ``addon_builds.references()``. Whether each of them
exists at its commit is checked against a copy of that repository when ``MPG_ADDON_REPO`` names
one (``git clone https://github.com/odoo/mail-client-extensions``); without it that one test says
so and skips, the others still run.
"""

import html
import json
import os
import re
import subprocess

from odoo.tests import TransactionCase, new_test_user, tagged

from ..tools import addon_builds
from .common import MailPluginHttpCase

BASE = "https://odoo.example.com"
REF = re.compile(r'data-mpg-ref="([^"]+)"')


def ref_text(commit, path, number):
    return f"{commit}:{path}" + (f":{number}" if number else "")


@tagged("post_install", "-at_install")
class TestSetupGuide(MailPluginHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_user = new_test_user(
            cls.env, login="mp_guide", password="mp_guide_pw1", groups="base.group_user,base.group_system"
        )
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", BASE)
        params.set_param("web.base.url.freeze", True)

    def guide(self, query=""):
        self.authenticate("mp_guide", "mp_guide_pw1")
        response = self.url_open("/mail_plugin_gmail/setup" + query)
        self.assertEqual(response.status_code, 200)
        return html.unescape(response.text)

    def test_names_exactly_the_table(self):
        page = self.guide()
        refs = addon_builds.references()
        expected = {ref_text(commit, path, number) for commit, path, number, _line in refs}
        self.assertEqual(set(REF.findall(page)), expected)
        self.assertEqual(len(expected), 11)
        for _commit, _path, number, line in addon_builds.references():
            if number:
                self.assertIn(line.strip(), page)

    def test_downloads_are_pinned_to_full_commits(self):
        page = self.guide()
        commits = {commit for commit, *_rest in addon_builds.references()}
        self.assertEqual(len(commits), 3)
        archive = r"https://github\.com/odoo/mail-client-extensions/archive/([^\"<]+)\.zip"
        archives = set(re.findall(archive, page))
        self.assertEqual(archives, commits)
        for commit in commits:
            self.assertRegex(commit, r"^[0-9a-f]{40}$")
        for key, build in addon_builds.APPS_SCRIPT_BUILDS.items():
            self.assertTrue(build["commit"].startswith(key))
            self.assertIn(f"/mail_plugin_gmail/appsscript.json?build={key}", page)
        self.assertNotIn("github.com/odoo/mail-client-extensions/archive/master", page)

    def test_manifest_per_build(self):
        self.authenticate("mp_guide", "mp_guide_pw1")
        for key, build in addon_builds.APPS_SCRIPT_BUILDS.items():
            response = self.url_open(f"/mail_plugin_gmail/appsscript.json?build={key}")
            self.assertEqual(response.status_code, 200)
            whitelist = response.json()["urlFetchWhitelist"]
            expected = [BASE + path for path in build["paths"]] + list(build["external_urls"])
            self.assertEqual(whitelist, expected)
        self.assertEqual(len(addon_builds.PATHS_2023), 15)
        self.assertEqual(len(addon_builds.PATHS_2025), 24)
        self.assertIn(
            BASE + "/mail_plugin/project/search",
            self.url_open("/mail_plugin_gmail/appsscript.json?build=ef529cda8").text,
        )
        self.assertIn(
            BASE + "/mail_plugin/auth/check_version",
            self.url_open("/mail_plugin_gmail/appsscript.json?build=4306e111c").text,
        )
        response = self.url_open("/mail_plugin_gmail/appsscript.json?build=master")
        self.assertEqual(response.status_code, 404)

    def test_self_hosted_addin_values(self):
        page = self.guide("?addin=https://Addin.Example.org/")
        self.assertIn('export const HOST = "https://addin.example.org";', page)
        self.assertIn('"onTriggerFunction": "https://addin.example.org/on_open_email"', page)
        self.assertIn("https://addin.example.org/auth_callback", page)
        self.assertIn(BASE, page)
        for bad in ("http://addin.example.org", "https://addin.example.org/path", "javascript:alert(1)"):
            page = self.guide("?addin=" + bad)
            self.assertIn("https://addin.example.com/auth_callback", page, bad)  # the placeholder
            self.assertNotIn("addin.example.org", page.replace(bad, ""), bad)

    def test_value_to_paste_is_accepted(self):
        """The callback the guide tells to allow makes the consent page accept that add-in."""
        page = self.guide("?addin=https://addin.example.org")
        value = re.search(r'o_mail_plugin_addin_callback">([^<]+)<', page)[1]
        self.assertEqual(value, "https://addin.example.org/auth_callback")
        self.authenticate("mp_alice", "mp_alice_pw1")
        refused = self.url_open(self.auth_url(redirect=value), allow_redirects=False)
        self.assertEqual(refused.status_code, 400)
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.redirect_patterns", value)
        accepted = self.url_open(self.auth_url(redirect=value), allow_redirects=False)
        self.assertEqual(accepted.status_code, 200)
        self.assertIn("o_mail_plugin_consent_form", accepted.text)
        self.assertIn(value, self.guide())  # listed among the allowed callbacks

    def test_plain_http_database_is_flagged(self):
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "http://odoo.example.com")
        self.assertIn("o_mail_plugin_not_https", self.guide())
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", BASE)
        self.assertNotIn("o_mail_plugin_not_https", self.guide())


@tagged("post_install", "-at_install")
class TestAddonRepositoryTable(TransactionCase):
    """Each file and line of the table, at its commit, in a copy of odoo/mail-client-extensions."""

    def git_show(self, repo, commit, path):
        result = subprocess.run(
            ["git", "-C", repo, "show", f"{commit}:{path}"], capture_output=True, text=True, check=False
        )
        self.assertEqual(result.returncode, 0, f"{commit}:{path} missing: {result.stderr.strip()}")
        return result.stdout

    def test_every_reference_exists_at_its_commit(self):
        repo = os.environ.get("MPG_ADDON_REPO")
        if not repo:
            self.skipTest("MPG_ADDON_REPO is not set: no clone of odoo/mail-client-extensions to check")
        for commit, path, number, line in addon_builds.references():
            text = self.git_show(repo, commit, path)
            if number:
                self.assertEqual(text.splitlines()[number - 1], line, f"{commit}:{path}:{number}")
        for key, build in addon_builds.APPS_SCRIPT_BUILDS.items():
            upstream = json.loads(self.git_show(repo, build["commit"], addon_builds.APPS_SCRIPT_MANIFEST))
            whitelist = upstream["urlFetchWhitelist"]
            paths = {
                url[len("https://odoo.com") :] for url in whitelist if url.startswith("https://odoo.com/")
            }
            self.assertEqual(paths, set(build["paths"]), key)
            external = {url for url in whitelist if "://odoo.com/" not in url and "://*.odoo.com/" not in url}
            self.assertEqual(external, set(build["external_urls"]), key)
