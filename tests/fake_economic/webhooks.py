# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The fake's "Customer updated" webhook emitter (economic.md §9, §12.11).

One POST per change, numbers only, no signature: ``[OLDNUMBER]`` and
``[NEWNUMBER]`` are substituted in the URL and in the post-data template.
Deliveries run in a background thread, optionally delayed, duplicated and
retried on non-2xx; every attempt is logged in ``deliveries``.
"""

import queue
import threading
import time
import urllib.error
import urllib.request


class WebhookEmitter:
    def __init__(self, delay=0.0, duplicates=1, retries=0, timeout=10):
        #: ``[{"url", "post_data", "content_type", "headers"}]``
        self.hooks = []
        self.delay = delay
        self.duplicates = duplicates
        self.retries = retries
        self.timeout = timeout
        self.enabled = True
        #: ``[{"url", "body", "status", "error", "old", "new"}]``
        self.deliveries = []
        self._queue = queue.Queue()
        self._thread = None

    def add(self, url, post_data=None, content_type="application/json", headers=None):
        """Register a webhook; ``url`` and ``post_data`` may hold the merge
        fields ``[OLDNUMBER]`` and ``[NEWNUMBER]``."""
        self.hooks.append(
            {
                "url": url,
                "post_data": post_data,
                "content_type": content_type,
                "headers": dict(headers or {}),
            }
        )

    def start(self):
        self._thread = threading.Thread(
            target=self._run, name="fake-economic-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self):
        if self._thread:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def emit(self, old, new):
        """Queue one "Customer updated" event for every hook."""
        if not self.enabled:
            return
        for hook in self.hooks:
            for _copy in range(max(self.duplicates, 1)):
                self._queue.put((hook, old, new))

    def wait(self, timeout=10.0):
        """Block until every queued delivery is done; True if so."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _run(self):
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self.delay:
                    time.sleep(self.delay)
                self._deliver(*item)
            finally:
                self._queue.task_done()

    def _deliver(self, hook, old, new):
        def fill(text):
            return text.replace("[OLDNUMBER]", str(old)).replace(
                "[NEWNUMBER]", str(new)
            )

        url = fill(hook["url"])
        body = fill(hook["post_data"]).encode() if hook["post_data"] else b""
        headers = {"Content-Type": hook["content_type"], **hook["headers"]}
        for _attempt in range(self.retries + 1):
            entry = {"url": url, "body": body, "old": old, "new": new}
            request = urllib.request.Request(url, body, headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    entry["status"] = answer.status
            except urllib.error.HTTPError as exc:
                entry["status"] = exc.code
            except OSError as exc:
                entry.update(status=None, error=str(exc))
            self.deliveries.append(entry)
            if entry["status"] and 200 <= entry["status"] < 300:
                return
