"""Packages the addon as ``odoo-addon-mail_plugin_gmail`` with setuptools-odoo.

``odoo/addons/mail_plugin_gmail`` is a link to the addon, the layout setuptools-odoo reads.
setuptools-odoo's last release knows Odoo up to 16.0; 17.0 keeps 16.0's packaging rules
(``odoo-addon-`` prefix, ``odoo.addons`` namespace), so it is declared here the same way.
"""

import setuptools
from setuptools_odoo import core

if "17.0" not in core.ODOO_VERSION_INFO:
    core.ODOO_VERSION_INFO["17.0"] = dict(
        core.ODOO_VERSION_INFO["16.0"],
        odoo_dep="odoo>=17.0a,<17.1dev",
        pkg_version_specifier=">=17.0dev,<17.1dev",
    )

setuptools.setup(odoo_addon=True)
