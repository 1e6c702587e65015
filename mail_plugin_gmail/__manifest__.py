{
    "name": "Gmail Plugin Server",
    "summary": "Sign the Gmail add-on in to Odoo and serve its side panel: "
    "contacts, companies, leads, tasks and logged emails",
    "version": "17.0.1.0.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/mail-plugin-gmail/mail_plugin_gmail",
    "author": "mail_plugin_gmail contributors",
    "license": "LGPL-3",
    "depends": ["base_setup", "mail"],
    # Odoo's own module answers the same /mail_plugin/* routes.
    "excludes": ["mail_plugin"],
    "data": [
        "security/ir.model.access.csv",
        "security/mail_plugin_security.xml",
        "views/auth_templates.xml",
        "views/mail_plugin_connection_views.xml",
        "views/mail_plugin_setup_views.xml",
        "wizards/mail_plugin_diagnostic_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "mail_plugin_gmail/static/tests/tours/*.js",
        ],
    },
    # Answers the add-on "try again" while the database is unreachable (tools/database_outage.py).
    "post_load": "post_load",
    "installable": True,
    "application": False,
}
