"""The addon installs with pip as odoo-addon-mail_plugin_gmail (setuptools-odoo metadata)."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_has_odoo_addon_layout_and_metadata(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("*.whl"))
    manifest = ast.literal_eval((REPO / "mail_plugin_gmail" / "__manifest__.py").read_text())
    assert wheel.name == f"odoo_addon_mail_plugin_gmail-{manifest['version']}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    for part in ("__manifest__.py", "views/auth_templates.xml", "data/neutralize.sql"):
        assert f"odoo/addons/mail_plugin_gmail/{part}" in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Name: odoo-addon-mail_plugin_gmail" in text
    assert "Requires-Dist: odoo<17.1dev,>=17.0a" in text


def test_manifest_targets_17_and_excludes_odoo_module():
    manifest = ast.literal_eval((REPO / "mail_plugin_gmail" / "__manifest__.py").read_text())
    assert manifest["version"].startswith("17.0.")
    assert len(manifest["version"].split(".")) == 5
    assert "mail_plugin" in manifest["excludes"]
