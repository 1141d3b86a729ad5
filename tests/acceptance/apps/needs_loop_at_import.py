"""An app module that needs the running event loop while it is imported: it fails, with a
sentence that says where that work belongs."""

import asyncio

from fastapi import FastAPI

LOOP = asyncio.get_running_loop()
app = FastAPI()
