"""An app module that asks for the running event loop while it is imported (as some
clients do when they are built at module level): uvicorn imports apps inside its running
loop, so this works there, and must work here, on the loop the app is then served on."""

import asyncio

from fastapi import FastAPI

LOOP = asyncio.get_running_loop()
app = FastAPI()


@app.get("/loop")
async def which_loop() -> dict[str, bool]:
    return {"same": asyncio.get_running_loop() is LOOP}
