"""Packages the addon as ``odoo-addon-mail_plugin_gmail`` with setuptools-odoo.

setuptools-odoo computes the distribution's metadata from the manifest (name, version,
Odoo dependency, classifiers); the package itself is mapped to ``odoo.addons`` here, so the
addon stays at the top of the repository instead of under an ``odoo/addons`` link tree.
Its last release knows Odoo up to 16.0; 17.0 keeps 16.0's packaging rules, so it is
declared the same way.
"""

import setuptools
from setuptools_odoo import core

if "17.0" not in core.ODOO_VERSION_INFO:
    core.ODOO_VERSION_INFO["17.0"] = dict(
        core.ODOO_VERSION_INFO["16.0"],
        odoo_dep="odoo>=17.0a,<17.1dev",
        pkg_version_specifier=">=17.0dev,<17.1dev",
    )

ADDON = "mail_plugin_gmail"
# The package version is the manifest version, whatever the git history since it changed.
keywords = core.get_addon_setuptools_keywords(ADDON, post_version_strategy_override="none")
keywords.pop("namespace_packages", None)
keywords["packages"] = [
    "odoo.addons." + package
    for package in setuptools.find_packages(include=[ADDON, ADDON + ".*"])
]
keywords["package_dir"] = {"odoo.addons." + ADDON: ADDON}
setuptools.setup(**keywords)
