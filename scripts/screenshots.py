# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Take the README screenshots from a real (headless) Chromium against a running Odoo.

    make run                      # in one terminal
    make screenshots              # in another: writes docs/screenshots/*.png

Drives Chromium through the DevTools protocol (websocket-client, already a test
dependency of Odoo's tours): logs in over JSON-RPC, sets the session cookie,
opens each page, optionally clicks a button, waits for the page to settle and
captures it.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

import requests
import websocket

SHOTS = [
    # (file, path, record lookup (model, domain) or None, label of a button to click)
    (
        "sync_company.png",
        "/odoo/contacts/{id}",
        ("res.partner", [("name", "=", "Havnens Fiskehus ApS")]),
        "Sync Company",
    ),
    (
        "sync_user.png",
        "/odoo/contacts/{id}",
        ("res.partner", [("name", "=", "Mette Kjær")]),
        "Sync User",
    ),
    (
        "convert_to_contact.png",
        "/odoo/action-crm.crm_lead_all_leads/{id}",
        ("crm.lead", [("name", "ilike", "Fjord Design")]),
        "Convert to Contact",
    ),
    (
        "lead_convert.png",
        "/odoo/action-crm.crm_lead_all_leads/{id}",
        ("crm.lead", [("name", "ilike", "Le Petit Bistrot")]),
        "Convert",
    ),
    ("desync_list.png", "/odoo/action-crm_sync.res_partner_desync_action", None, None),
    (
        "check_data.png",
        "/odoo/contacts/{id}",
        ("res.partner", [("crm_sync_desync", "=", True)]),
        "Check data",
    ),
]


class Browser:
    def __init__(self, width=1440, height=900):
        exe = (
            shutil.which("chromium")
            or shutil.which("chromium-browser")
            or shutil.which("google-chrome")
        )
        if not exe:
            raise SystemExit("Chromium not found: run make setup")
        self.profile = tempfile.mkdtemp(prefix="crm_sync_shots_")
        port = 9333
        self.proc = subprocess.Popen(
            [
                exe,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                pages = requests.get(
                    f"http://127.0.0.1:{port}/json/list", timeout=2
                ).json()
                ws_url = next(
                    p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page"
                )
                break
            except Exception:  # noqa: BLE001 - Chromium still starting
                time.sleep(0.2)
        else:
            raise SystemExit("Chromium did not start")
        self.ws = websocket.create_connection(ws_url, timeout=30)
        self.msg_id = 0

    def call(self, method, **params):
        self.msg_id += 1
        self.ws.send(
            json.dumps({"id": self.msg_id, "method": method, "params": params})
        )
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.msg_id:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result", {})

    def evaluate(self, expression):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return res.get("result", {}).get("value")

    def wait_for(self, selector, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                return True
            time.sleep(0.3)
        return False

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="crm_sync_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--out",
        default=os.path.join(os.path.dirname(__file__), "..", "docs", "screenshots"),
    )
    args = parser.parse_args()

    session = requests.Session()
    res = session.post(
        f"{args.url}/web/session/authenticate",
        timeout=30,
        json={
            "jsonrpc": "2.0",
            "params": {"db": args.db, "login": args.login, "password": args.password},
        },
    )
    res.raise_for_status()
    sid = session.cookies.get("session_id")

    def search(model, domain):
        r = session.post(
            f"{args.url}/web/dataset/call_kw",
            timeout=30,
            json={
                "jsonrpc": "2.0",
                "params": {
                    "model": model,
                    "method": "search",
                    "args": [domain],
                    "kwargs": {"limit": 1},
                },
            },
        ).json()
        return (r.get("result") or [None])[0]

    browser = Browser()
    try:
        browser.call("Network.enable")
        browser.call("Network.setCookie", name="session_id", value=sid, url=args.url)
        os.makedirs(args.out, exist_ok=True)
        for name, path, lookup, click in SHOTS:
            rec_id = search(*lookup) if lookup else None
            if lookup and not rec_id:
                print(f"skip {name}: no record for {lookup}")
                continue
            browser.call("Page.navigate", url=args.url + path.format(id=rec_id))
            if not browser.wait_for(".o_action_manager .o_view_controller"):
                print(f"skip {name}: page did not load")
                continue
            time.sleep(1.5)
            if click:
                finder = (
                    "[...document.querySelectorAll('.o_form_view button')]"
                    f".find(b => b.textContent.trim() === {json.dumps(click)})"
                )
                if not browser.evaluate(f"!!({finder})"):
                    print(f"skip {name}: no button {click!r}")
                    continue
                browser.evaluate(f"({finder}).click()")
                browser.wait_for(".modal .o_form_view, .modal-dialog", timeout=10)
                time.sleep(1.5)
            # Transient notifications ("page out of date") are not part of the feature.
            browser.evaluate(
                "document.querySelectorAll('.o_notification_manager')"
                ".forEach(e => e.remove())"
            )
            png = base64.b64decode(
                browser.call("Page.captureScreenshot", format="png")["data"]
            )
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(png)
            print(f"wrote {name}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
