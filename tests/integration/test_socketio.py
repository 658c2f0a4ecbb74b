"""The widget's socket.io channel on the real server: random session ids only, and a JWT when configured."""
import asyncio
import time

import jwt
import pytest
import socketio

# python-engineio's client opens websockets with aiohttp.ClientWSTimeout, which Rasa's pinned aiohttp 3.9
# lacks, so the test clients use long-polling (the browser tests cover the widget's websocket).

from tests.servers import start_servers, stop_servers

SECRET = "test-socketio-jwt-secret"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    running = start_servers(tmp_path_factory.mktemp("jwt"), extra_env={"SOCKETIO_JWT_SECRET": SECRET})
    yield running
    stop_servers(running)


async def chat(port, session_id, text, token=None, wait=60):
    """Connects, asks for the session, sends one message; returns (confirmed id, bot messages)."""
    client = socketio.AsyncClient(reconnection=False)
    got, confirmed = [], asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda data: got.append(data))
    await client.connect(f"http://127.0.0.1:{port}", auth={"token": token} if token else None,
                         transports=["polling"], wait_timeout=10)
    try:
        await client.emit("session_request", {"session_id": session_id})
        sid = await asyncio.wait_for(confirmed, 10)
        await client.emit("user_uttered", {"message": text, "session_id": sid})
        deadline = time.time() + wait
        while not got and time.time() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # the rest of the turn's messages
        return sid, got
    finally:
        await client.disconnect()


def test_a_connection_without_the_jwt_is_refused(servers):
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(chat(servers["rasa"], "3f2a9c0e4b7d4e1f9a8b7c6d5e4f3a2b", "hi"))
    bad = jwt.encode({"sub": "x"}, "another-secret", algorithm="HS256")
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(chat(servers["rasa"], "3f2a9c0e4b7d4e1f9a8b7c6d5e4f3a2b", "hi", token=bad))


def test_with_the_jwt_the_bot_answers_in_the_same_session(servers):
    token = jwt.encode({"sub": "visitor"}, SECRET, algorithm="HS256")
    session = "9b1d7e3c5a2f4c6e8d0b1a3c5e7f9d2b"
    sid, got = asyncio.run(chat(servers["rasa"], session, "hi", token=token))
    assert sid == session and any("Harbor Light Recovery" in (m.get("text") or "") for m in got)


def test_a_phone_number_as_session_id_is_replaced_by_a_random_one(servers):
    token = jwt.encode({"sub": "visitor"}, SECRET, algorithm="HS256")
    sid, got = asyncio.run(chat(servers["rasa"], "+16175550142", "hi", token=token))
    assert sid != "+16175550142" and len(sid) >= 16 and got


def test_a_crisis_over_socketio_gets_the_crisis_card_payload_and_an_urgent_handoff(servers):
    import sqlite3

    token = jwt.encode({"sub": "visitor"}, SECRET, algorithm="HS256")
    session = "5e8a1c3f7b9d4e2a6c0b8d1f3a5c7e9b"
    _, got = asyncio.run(chat(servers["rasa"], session, "i want to kill myself", token=token))
    cards = [m["custom"]["escalation"] for m in got if isinstance(m.get("custom"), dict) and "escalation" in m["custom"]]
    assert cards and cards[0]["category"] == "suicide"
    assert any("988" in (m.get("text") or "") for m in got)
    rows = []
    for _ in range(60):  # action_escalate records it right after the crisis reply
        rows = sqlite3.connect(servers["db"]).execute(
            "select urgency, category from handoffs where conversation_id = ?", (session,)).fetchall()
        if rows:
            break
        time.sleep(0.5)
    assert rows and rows[0][1] == "suicide"


async def reconnect(port, session_id, received, token, listen=4):
    """Connects again with the count of messages received so far; returns what the server sends."""
    client = socketio.AsyncClient(reconnection=False)
    got, confirmed = [], asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda data: got.append(data))
    await client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=["polling"], wait_timeout=10)
    try:
        await client.emit("session_request", {"session_id": session_id, "received": received})
        await asyncio.wait_for(confirmed, 10)
        await asyncio.sleep(listen)
        return got
    finally:
        await client.disconnect()


def test_messages_sent_while_the_widget_was_offline_arrive_when_it_reconnects(servers):
    import json
    import urllib.request

    from tests.servers import API_TOKEN

    token = jwt.encode({"sub": "visitor"}, SECRET, algorithm="HS256")
    session = "c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4"
    _, first = asyncio.run(chat(servers["rasa"], session, "how much does it cost", token=token))
    assert first
    # Nobody is connected now. The bot speaks in this conversation anyway (as a staff reply would).
    req = urllib.request.Request(
        f"http://127.0.0.1:{servers['rasa']}/conversations/{session}/trigger_intent"
        f"?output_channel=latest&token={API_TOKEN}",
        data=json.dumps({"name": "greet"}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status == 200
    missed = asyncio.run(reconnect(servers["rasa"], session, len(first), token))
    assert missed and any("Harbor Light Recovery" in (m.get("text") or "") for m in missed)
    # Up to date now: nothing is sent twice.
    assert asyncio.run(reconnect(servers["rasa"], session, len(first) + len(missed), token, listen=2)) == []
