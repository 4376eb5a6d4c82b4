"""A tiny FastAPI app to run under Pier: it reports which worker answered, and has endpoints
to exercise health checks, slow requests, crashes and memory growth.

Run by hand: PORT=8000 python3 -m uvicorn main:app --host 127.0.0.1 --port 8000
(or on a Unix socket: python3 -m uvicorn main:app --uds /tmp/app.sock)
"""

import asyncio
import os
import sys

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

MIB = 1024 * 1024

app = FastAPI()

# Memory this process holds on purpose, so RSS really grows.
_held: list = []


def _port():
    try:
        return int(os.environ["PORT"])
    except (KeyError, ValueError):
        return None


@app.get("/")
async def root():
    return {
        "pid": os.getpid(),
        "port": _port(),
        "socket": os.environ.get("SOCKET"),
        "worker": os.environ.get("PIER_WORKER"),
        "app": "fastapi",
    }


@app.get("/healthz", response_class=PlainTextResponse)
async def healthz():
    return "ok"


@app.get("/headers")
async def headers(request: Request):
    # What the front door forwarded, so tests can check X-Forwarded-* and Host.
    return {name.lower(): value for name, value in request.headers.items()}


@app.post("/upload")
async def upload(request: Request):
    # Reads the whole body first, so a client that sends it slowly holds the request open.
    body = await request.body()
    return {"pid": os.getpid(), "bytes": len(body)}


@app.get("/slow")
async def slow(ms: int = 1000):
    ms = max(0, min(ms, 60_000))
    await asyncio.sleep(ms / 1000)
    return {"pid": os.getpid(), "slept_ms": ms}


@app.api_route("/crash", methods=["GET", "POST"])
async def crash():
    print("crashing on request", file=sys.stderr, flush=True)
    os._exit(3)


@app.get("/grow")
async def grow(mb: int = 10):
    mb = max(0, min(mb, 4096))
    # bytearray is zero-filled, so every page is written and counts towards RSS.
    _held.append(bytearray(mb * MIB))
    return {"pid": os.getpid(), "added_mb": mb, "held_mb": sum(len(b) for b in _held) // MIB}
