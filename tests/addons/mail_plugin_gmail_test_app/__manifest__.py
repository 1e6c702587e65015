{
    "name": "Gmail Plugin Server: test app",
    "summary": "Test fixture: one more model shown by the mail add-on, through one extension",
    "version": "17.0.1.0.0",
    "category": "Hidden/Tests",
    "author": "mail_plugin_gmail contributors",
    "license": "LGPL-3",
    "depends": ["mail_plugin_gmail"],
    "data": [
        "security/ir.model.access.csv",
        "views/mail_plugin_test_claim_views.xml",
    ],
    "installable": True,
    "application": False,
}
