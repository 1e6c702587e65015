"""Drive headless Chromium through the DevTools protocol and save the README's screenshots.

    python scripts/screenshots.py http://127.0.0.1:8079 docs/screenshots

The server must have the module installed and switched on, with the login admin / admin.
"""

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

GMAIL_CALLBACK = "https://script.google.com/macros/d/EXAMPLE-SCRIPT-ID/usercallback"
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,900",
]


class Browser:
    def __init__(self, debug_port=9333):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not binary:
            sys.exit("Chromium is needed (Debian package chromium)")
        self.profile = tempfile.mkdtemp(prefix="mpg-shots-")
        self.process = subprocess.Popen(
            [
                binary,
                *CHROME_FLAGS,
                f"--remote-debugging-port={debug_port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                pages = requests.get(f"http://127.0.0.1:{debug_port}/json/list", timeout=1).json()
                page = next(p for p in pages if p["type"] == "page")
                break
            except (requests.RequestException, StopIteration, ValueError):
                time.sleep(0.2)
        else:
            sys.exit("Chromium's DevTools did not answer")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
        self.next_id = 0
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False
        )

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, selector, timeout=30):
        deadline = time.time() + timeout
        check = (
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
            "return !!(e && e.offsetParent !== null); })()"
        )
        while time.time() < deadline:
            if self.js(check):
                time.sleep(0.6)  # let fonts, images and transitions settle
                return
            time.sleep(0.2)
        raise TimeoutError(f"{selector} did not appear")

    def goto(self, url, selector):
        self.call("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait(selector)

    def click(self, selector):
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

    def shoot(self, selector, path, margin=12, closest=None):
        """A PNG of one element (or of its ``closest`` ancestor), with a margin around it."""
        find = f"document.querySelector({json.dumps(selector)})"
        if closest:
            find += f".closest({json.dumps(closest)})"
        rect = self.js(
            f"(() => {{ const e = {find};"
            " e.scrollIntoView({block: 'nearest'});"
            " const r = e.getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )
        time.sleep(0.3)
        clip = {
            "x": max(rect["x"] - margin, 0),
            "y": max(rect["y"] - margin, 0),
            "width": rect["width"] + 2 * margin,
            "height": rect["height"] + 2 * margin,
            "scale": 1,
        }
        shot = self.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
        data = shot["data"]
        Path(path).write_bytes(base64.b64decode(data))
        print(f"{path}: {Path(path).stat().st_size // 1024} KB")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main(server, out):
    out = Path(out)
    browser = Browser()
    try:
        browser.goto(f"{server}/web/login", "input#login")
        browser.js(
            "document.querySelector('#login').value = 'admin';"
            "document.querySelector('#password').value = 'admin';"
            "document.querySelector('form.oe_login_form').submit()"
        )
        browser.wait(".o_main_navbar")

        browser.goto(
            f"{server}/web#action=base_setup.action_general_configuration",
            "#mail_plugin_gmail_details .o_field_widget[name='mail_plugin_gmail_server_url']",
        )
        browser.shoot("#mail_plugin_gmail_details", out / "settings.png", closest=".o_setting_box")

        browser.click("button[name='action_mail_plugin_gmail_check_connection']")
        browser.wait(".modal .o_field_widget[name='report_html'] tr")
        browser.shoot(".modal .modal-content", out / "check_connection.png", margin=0)

        query = f"redirect={GMAIL_CALLBACK}&friendlyname=Gmail&state=example&scope=outlook"
        browser.goto(f"{server}/mail_plugin/auth?{query}", ".o_mail_plugin_consent_form")
        browser.shoot(".o_mail_plugin_card", out / "consent.png", margin=24)

        browser.goto(f"{server}/mail_plugin/auth/success?success=1", ".o_mail_plugin_success")
        browser.shoot(".o_mail_plugin_card", out / "success.png", margin=24)

        browser.goto(f"{server}/mail_plugin_gmail/setup", ".o_mail_plugin_setup_guide")
        browser.shoot(".o_mail_plugin_setup_guide", out / "setup_guide.png", margin=4)
    finally:
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
