"""A Sanic app served on 127.0.0.1 from a thread of the test process, for tests of the project's channels
(tests/server/test_widget_channel.py, tests/server/test_origins.py) without starting Rasa."""
from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request

from sanic import Sanic

from tools.local_servers import free_port

# Sanic 21.12 rewrites some of its own methods when an app starts (TouchUp) and cannot start a second app
# in the same process unless it is in test mode, which keeps the originals.
Sanic.test_mode = True


class ThreadedSanic:
    """The app on its own event loop and thread: the test's own thread may have a loop running (Playwright)."""

    def __init__(self, app: Sanic) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = free_port()  # Sanic reads port=0 as its default, 8000
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def start():
                self.server = await app.create_server(host="127.0.0.1", port=self.port,
                                                      return_asyncio_server=True, access_log=False)
                await self.server.startup()
                await self.server.start_serving()

            self.loop.run_until_complete(start())
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(30), "the test server did not start"

    def request(self, path: str, method: str = "GET", headers=None, data=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method, headers=headers or {},
                                     data=data)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def close(self) -> None:
        async def stop():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
