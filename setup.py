"""Packages the addon as ``odoo-addon-mail_plugin_gmail`` with plain setuptools.

The distribution's metadata (name, version, Odoo and Python requirements, classifiers,
description) comes from the manifest through manifestoo-core, the library behind OCA's
``whool``, with the options of the addon's own ``pyproject.toml``: this build and
``pip wheel mail_plugin_gmail/`` (whool) describe the same package. The addon stays at the
top of the repository and is mapped to ``odoo.addons`` here.
"""

from pathlib import Path

import setuptools
from manifestoo_core.metadata import metadata_from_addon_dir

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ADDON = "mail_plugin_gmail"
ADDON_DIR = Path(__file__).resolve().parent / ADDON
PACKAGE = "odoo.addons." + ADDON

whool_options = tomllib.loads((ADDON_DIR / "pyproject.toml").read_text()).get("tool", {}).get("whool", {})
metadata = metadata_from_addon_dir(ADDON_DIR, whool_options)

setuptools.setup(
    name=metadata["Name"],
    version=metadata["Version"],
    description=metadata["Summary"],
    long_description=metadata.get_payload(),
    long_description_content_type=metadata["Description-Content-Type"],
    url=metadata["Home-page"],
    author=metadata["Author"],
    license=metadata["License"],
    classifiers=metadata.get_all("Classifier"),
    python_requires=metadata["Requires-Python"],
    install_requires=metadata.get_all("Requires-Dist"),
    packages=[PACKAGE] + [PACKAGE + "." + p for p in setuptools.find_packages(str(ADDON_DIR))],
    package_dir={PACKAGE: ADDON},
    # Every file of the addon: views, data, translations, static assets, readme fragments.
    package_data={PACKAGE: ["**/*"]},
    exclude_package_data={PACKAGE: ["pyproject.toml", "**/__pycache__/*", "**/*.pyc"]},
    zip_safe=False,
)
