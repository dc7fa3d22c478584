"""Run a PTB Application against the emulator with a clean start and shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application


@asynccontextmanager
async def polling(
    app: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: int = 10,
    drop_pending_updates: bool = False,
    **start_polling_kwargs: Any,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """``initialize/start`` + ``start_polling`` on enter; the reverse order on exit.

    A long ``poll_timeout`` costs nothing on shutdown: the updater cancels its pending
    getUpdates and the emulator drops that handler. Stop the app BEFORE the emulator, because
    ``Updater.stop`` makes one last getUpdates call to confirm the processed updates.
    """
    # The same order as Application.run_polling: initialize, post_init, start
    # polling, start; and on the way out stop, post_stop (implicit), shutdown, post_shutdown.
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None, "build the Application with an Updater"
        await app.updater.start_polling(
            poll_interval=0,
            timeout=poll_timeout,
            drop_pending_updates=drop_pending_updates,
            **start_polling_kwargs,
        )
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
