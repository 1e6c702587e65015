"""The builds of Odoo's Gmail add-on that the on-premise set-up guide points to.

Everything the guide names in odoo/mail-client-extensions (a commit, a file at that commit, a line
of that file) comes from this table, so that one test can check that the guide shows exactly
these and, where a copy of that repository is at hand, that each of them exists there
(``mail_plugin_gmail/tests/test_setup_guide.py``; ``MPG_ADDON_REPO`` names the copy).
"""

REPOSITORY = "https://github.com/odoo/mail-client-extensions"

# Paths under the database's address that each Apps Script build may fetch: the paths its own
# appsscript.json allows on odoo.com, in the same order.
PATHS_2023 = (
    "/mail_plugin/get_translations",
    "/mail_plugin/partner/get",
    "/mail_plugin/log_mail_content",
    "/mail_plugin/partner/search",
    "/mail_plugin/partner/create",
    "/mail_plugin/partner/enrich_and_create_company",
    "/mail_plugin/partner/enrich_and_update_company",
    "/mail_plugin/lead/create",
    "/mail_plugin/ticket/create",
    "/mail_plugin/project/search",
    "/mail_plugin/project/create",
    "/mail_plugin/task/create",
    "/web/login",
    "/mail_plugin/auth",
    "/mail_plugin/auth/access_token",
)
PATHS_2025 = (
    "/mail_plugin/get_translations",
    "/mail_plugin/partner/get",
    "/mail_plugin/log_mail_content",
    "/mail_plugin/search_records/res.partner",
    "/mail_plugin/redirect_to_record/res.partner",
    "/mail_plugin/partner/create",
    "/mail_plugin/partner/enrich_and_create_company",
    "/mail_plugin/partner/enrich_and_update_company",
    "/mail_plugin/search_records/crm.lead",
    "/mail_plugin/redirect_to_record/crm.lead",
    "/mail_plugin/lead/create",
    "/mail_plugin/search_records/helpdesk.ticket",
    "/mail_plugin/redirect_to_record/helpdesk.ticket",
    "/mail_plugin/ticket/create",
    "/mail_plugin/search_records/project.task",
    "/mail_plugin/redirect_to_record/project.task",
    "/mail_plugin/search_records/project.project",
    "/mail_plugin/redirect_to_record/project.project",
    "/mail_plugin/project/create",
    "/mail_plugin/task/create",
    "/web/login",
    "/mail_plugin/auth",
    "/mail_plugin/auth/access_token",
    "/mail_plugin/auth/check_version",
)

LOGIN_FILE = "gmail/src/views/login.ts"
ODOO_COM_CHECK = {
    "ef529cda8": r"    if (!/^https:\/\/([^\/?]*\.)?odoo\.com(\/|$)/.test(validatedUrl)) {",
    "4306e111c": r"    if (!/^https:\/\/([^\/?]*\.)?odoo\.com(\/|$)/.test(domain)) {",
}

# The Apps Script builds, newest first. ``edits``: the lines of the login card to change in a
# self-published copy, as (path, line number, exact line, what to do).
APPS_SCRIPT_BUILDS = {
    "4306e111c": {
        "commit": "4306e111c7859e1bd3c9593bfb8e65dae7118c88",
        "paths": PATHS_2025,
        "external_urls": (),
        "edits": (
            (LOGIN_FILE, 18, ODOO_COM_CHECK["4306e111c"], "lift"),
            (
                LOGIN_FILE,
                12,
                "        domain = new URL(formatUrl(event.formInputs.odooServerUrl)).origin;",
                "replace",
            ),
        ),
        # What replaces the ``replace`` line: Apps Script has no ``URL`` class, and its
        # ``formInputs`` holds one-element lists.
        "replacement": "        domain = formatUrl(String(event.formInputs.odooServerUrl)).replace("
        r"/^(https?:\/\/[^\/?#]+).*$/, " + '"$1");',
    },
    "ef529cda8": {
        "commit": "ef529cda8d5e45d12aec375bf1b313506e45535b",
        "paths": PATHS_2023,
        # Called by the 2023 build itself (logged out), not through the database.
        "external_urls": ("https://iap-services.odoo.com/iap/mail_extension/enrich",),
        "edits": ((LOGIN_FILE, 16, ODOO_COM_CHECK["ef529cda8"], "lift"),),
        "replacement": "",
    },
}
DEFAULT_APPS_SCRIPT_BUILD = "4306e111c"

# The HTTP add-in: the newest commit this module was checked against (later ones speak the same
# protocol), and where its deployment values live.
HTTP_ADDIN = {
    "commit": "8e30de8234f99b56da943594d3f93dc9ab88e689",
    "host_line": (
        "gmail/src/consts.ts",
        1,
        'export const HOST = "https://<domain>";',
    ),
    "trigger_line": (
        "gmail/deployment.json",
        18,
        '              "onTriggerFunction": "https://<domain>/on_open_email"',
    ),
    "readme": "gmail/README.md",
    "database_script": "gmail/init_db.sql",
    "callback_path": "/auth_callback",
    "trigger_path": "/on_open_email",
    "port": 5000,
}

# Shared by both Apps Script builds.
APPS_SCRIPT_README = "gmail/README.md"
APPS_SCRIPT_MANIFEST = "gmail/appsscript.json"


def archive_url(commit):
    return f"{REPOSITORY}/archive/{commit}.zip"


def tree_url(commit, path):
    return f"{REPOSITORY}/tree/{commit}/{path}"


def file_url(commit, path, line=None):
    return f"{REPOSITORY}/blob/{commit}/{path}" + (f"#L{line}" if line else "")


def references():
    """Every (commit, path, line number, line) the guide names; line fields are None when
    only the file is named. Sorted, without duplicates."""
    refs = set()
    for build in APPS_SCRIPT_BUILDS.values():
        commit = build["commit"]
        refs.add((commit, APPS_SCRIPT_MANIFEST, None, None))
        refs.add((commit, APPS_SCRIPT_README, None, None))
        for path, number, line, _action in build["edits"]:
            refs.add((commit, path, number, line))
    commit = HTTP_ADDIN["commit"]
    for path, number, line in (HTTP_ADDIN["host_line"], HTTP_ADDIN["trigger_line"]):
        refs.add((commit, path, number, line))
    refs.add((commit, HTTP_ADDIN["readme"], None, None))
    refs.add((commit, HTTP_ADDIN["database_script"], None, None))
    return sorted(refs, key=lambda ref: (ref[0], ref[1], ref[2] or 0))
