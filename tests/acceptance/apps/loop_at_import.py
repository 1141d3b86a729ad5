"""An app module that takes "the" event loop while it is imported, as older clients do: it
gets the loop the app is then served on, as under uvicorn."""

import asyncio

from fastapi import FastAPI

LOOP = asyncio.get_event_loop()
app = FastAPI()


@app.get("/loop")
async def which_loop() -> dict[str, bool]:
    return {"same": asyncio.get_running_loop() is LOOP}
