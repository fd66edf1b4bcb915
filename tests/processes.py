"""Whole processes started as an operator starts them (`voicebot serve`, `worker`, `sip`, caddy)."""

import subprocess
import sys
import time

import requests


class Node:
    """One process started as an operator starts it, on its own data and intent directories."""

    def __init__(self, root, args, env, port=None, command=(sys.executable, "-m", "app")):
        self.root, self.port = root, port
        self.base = f"http://127.0.0.1:{port}" if port else None
        self.log = open(root / "log.txt", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*command, *args], env=env, stdout=self.log, stderr=self.log
        )

    @property
    def intents_dir(self):
        return self.root / "intents" / "da"

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.root / "log.txt").read_text()
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # bound, but the app is still loading
                pass
            time.sleep(0.2)
        raise AssertionError("node did not start: " + (self.root / "log.txt").read_text())

    def ready(self):
        return requests.get(self.base + "/readyz", timeout=5).json()

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self.log.close()
