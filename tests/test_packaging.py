"""The addon installs with pip as odoo-addon-mail_plugin_gmail, built by setup.py or by whool."""

import ast
import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import odoo

REPO = Path(__file__).resolve().parent.parent
ADDON_DIR = REPO / "mail_plugin_gmail"
MANIFEST = ast.literal_eval((ADDON_DIR / "__manifest__.py").read_text())
ODOO_SRC = Path(odoo.__file__).resolve().parent.parent
WHEEL_NAME = f"odoo_addon_mail_plugin_gmail-{MANIFEST['version']}-py3-none-any.whl"


def build_wheel(source, out_dir):
    """Build one wheel of ``source`` with pip, using the build tools already installed."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=out_dir,
    )
    (wheel,) = out_dir.glob("*.whl")
    return wheel


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return HeaderParser().parsestr(zf.read(name).decode())


def addon_files(wheel):
    prefix = "odoo/addons/mail_plugin_gmail/"
    with zipfile.ZipFile(wheel) as zf:
        return {n[len(prefix) :] for n in zf.namelist() if n.startswith(prefix)}


def checkout_copy(dest):
    """What setup.py reads, copied: building in the checkout would leave build/ behind there."""
    for name in ("setup.py", "pyproject.toml", "LICENSE", "COPYING"):
        shutil.copy(REPO / name, dest)
    shutil.copytree(ADDON_DIR, dest / ADDON_DIR.name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """The wheel of the top-level setup.py and the one whool builds from the addon directory."""
    return {
        "setup.py": build_wheel(
            checkout_copy(tmp_path_factory.mktemp("src")), tmp_path_factory.mktemp("setup")
        ),
        # whool copies the files git tracks to a scratch directory itself.
        "whool": build_wheel(ADDON_DIR, tmp_path_factory.mktemp("whool")),
    }


def test_setup_py_wheel_name_version_and_dependencies(wheels):
    wheel = wheels["setup.py"]
    assert wheel.name == WHEEL_NAME
    meta = wheel_metadata(wheel)
    assert meta["Name"] == "odoo-addon-mail_plugin_gmail"
    assert meta["Version"] == MANIFEST["version"]
    assert meta["License"] == "LGPL-3"
    assert meta["Requires-Python"] == ">=3.10"
    # Only Odoo itself: base_setup and mail are Odoo's own addons, no Python library is needed.
    assert [Requirement(r) for r in meta.get_all("Requires-Dist")] == [Requirement("odoo>=17.0a,<17.1dev")]
    assert "Framework :: Odoo :: 17.0" in meta.get_all("Classifier")
    with zipfile.ZipFile(wheel) as zf:
        licenses = {Path(n).name for n in zf.namelist() if ".dist-info/licenses/" in n}
    assert licenses == {"LICENSE", "COPYING"}


def tracked_addon_files():
    """The addon's files under version control, but its build configuration."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ADDON_DIR, check=True, capture_output=True, text=True
    ).stdout.split()
    assert tracked, "git ls-files found nothing"
    return set(tracked) - {"pyproject.toml"}


def test_setup_py_wheel_holds_every_tracked_file_of_the_addon(wheels):
    files = addon_files(wheels["setup.py"])
    assert tracked_addon_files() <= files
    assert not {f for f in files if "__pycache__" in f or f.endswith(".pyc")}
    assert {
        "__manifest__.py",
        "views/auth_templates.xml",
        "data/neutralize.sql",
        "i18n/fr.po",
        "static/description/icon.png",
        "README.rst",
    } <= files


def test_whool_builds_the_same_package(wheels):
    ours, oca = (wheel_metadata(wheels[k]) for k in ("setup.py", "whool"))
    assert wheels["whool"].name == WHEEL_NAME
    for field in ("Name", "Version", "Summary", "Home-page", "Author", "License", "Requires-Python"):
        assert ours[field] == oca[field], field
    assert sorted(ours.get_all("Classifier")) == sorted(oca.get_all("Classifier"))
    assert {Requirement(r) for r in ours.get_all("Requires-Dist")} == {
        Requirement(r) for r in oca.get_all("Requires-Dist")
    }
    # whool packs exactly what git tracks; setup.py takes the addon directory as it is.
    assert addon_files(wheels["whool"]) == tracked_addon_files()


def test_wheel_installs_in_a_fresh_virtualenv_next_to_odoo(wheels, tmp_path):
    """pip installs the wheel into a new virtualenv that sees Odoo but not this repository;
    Odoo then finds the addon there, with its manifest, and imports it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheels["setup.py"]),
        ],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Odoo from its source tree and its libraries from the project's virtualenv: "next to Odoo".
    (site / "odoo-next.pth").write_text(f"{ODOO_SRC}\n{sysconfig.get_paths()['purelib']}\n")
    probe = textwrap.dedent(f"""
        import json
        import odoo
        from odoo.modules import module
        odoo.tools.config.parse_config(["--addons-path", {str(ODOO_SRC / "addons")!r}])
        module.initialize_sys_path()
        import odoo.addons.mail_plugin_gmail as addon
        print(json.dumps({{
            "path": module.get_module_path("mail_plugin_gmail"),
            "file": addon.__file__,
            "manifest": module.get_manifest("mail_plugin_gmail"),
        }}))
    """)
    result = subprocess.run(
        [str(python), "-c", probe],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    installed = site / "odoo" / "addons" / "mail_plugin_gmail"
    assert found["path"] == str(installed)
    assert found["file"] == str(installed / "__init__.py")
    assert (installed / "views" / "auth_templates.xml").is_file()
    for key in ("name", "version", "license", "depends", "excludes", "data"):
        assert found["manifest"][key] == MANIFEST[key], key


def test_manifest_targets_17_and_excludes_odoo_module():
    assert MANIFEST["version"].startswith("17.0.")
    assert len(MANIFEST["version"].split(".")) == 5
    assert "mail_plugin" in MANIFEST["excludes"]
