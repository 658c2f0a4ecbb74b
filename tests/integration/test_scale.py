"""Scale-out on Rasa's own mechanism: two Rasa server processes and the action server on PostgreSQL,
with Rasa's Redis lock store. Conversations spread over both processes lose, duplicate or reorder nothing,
and a reply made on one process reaches a widget connected to the other."""
import asyncio
import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio

# python-engineio's client opens websockets with aiohttp.ClientWSTimeout, which Rasa's pinned aiohttp 3.9
# lacks, so the test clients use long-polling (the browser tests cover the widget's websocket).

from tests.servers import API_TOKEN, post, start_servers, stop_servers

TURNS = ["hi", "how much does it cost", "can i keep working", "what about evenings", "thanks", "bye"]
CONVERSATIONS = 50


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres_url, redis_url):
    running = start_servers(tmp_path_factory.mktemp("scale"), extra_env={
        "DATABASE_URL": postgres_url, "TRACKER_DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
        "RASA_SERVERS": "2"})
    yield running
    stop_servers(running)


def tracker(port, conversation_id):
    url = f"http://127.0.0.1:{port}/conversations/{conversation_id}/tracker?token={API_TOKEN}"
    with urllib.request.urlopen(url, timeout=60) as resp:
        return json.load(resp)


def turns_of(events):
    """[(user text, number of bot messages before the next user message)] in stored order."""
    turns = []
    for event in events:
        if event["event"] == "user":
            turns.append([event["text"], 0])
        elif event["event"] == "bot" and turns:
            turns[-1][1] += 1
    return [tuple(t) for t in turns]


def test_fifty_concurrent_conversations_over_two_processes_keep_every_event_in_order(cluster):
    ports = cluster["rasa_ports"]
    assert len(ports) == 2

    def converse(n):
        sender = f"scale-{n:02d}"
        for i, text in enumerate(TURNS):
            assert post(ports[(n + i) % 2], sender, text), f"{sender} got no answer to {text!r}"
        return sender

    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        senders = list(pool.map(converse, range(CONVERSATIONS)))

    for sender in senders:
        events = tracker(ports[0], sender)["events"]
        turns = turns_of(events)
        assert [t for t, _ in turns] == TURNS, f"{sender}: user messages lost, duplicated or reordered"
        assert all(bots >= 1 for _, bots in turns), f"{sender}: a message went unanswered"
        stamps = [(e["event"], e.get("timestamp"), e.get("text"), e.get("name")) for e in events]
        assert len(stamps) == len(set(stamps)), f"{sender}: duplicated events"


def test_messages_of_one_conversation_sent_at_once_to_both_processes_are_handled_one_at_a_time(cluster):
    ports = cluster["rasa_ports"]
    burst = ["do you take medicaid", "how long does it last", "is it confidential", "what is iop"]

    def send(i):
        return post(ports[i % 2], "scale-burst", burst[i])

    with ThreadPoolExecutor(len(burst)) as pool:
        assert all(pool.map(send, range(len(burst))))
    turns = turns_of(tracker(ports[1], "scale-burst")["events"])
    # Any order of arrival is fine; each message once, and each answered before the next is read.
    assert sorted(t for t, _ in turns) == sorted(burst)
    assert all(bots >= 1 for _, bots in turns)


def test_a_reply_sent_through_one_process_reaches_a_widget_connected_to_the_other(cluster):
    first, second = cluster["rasa_ports"]
    session = "7c1e9a3b5d2f4e6a8b0c1d3e5f7a9b2c"

    async def scenario():
        client = socketio.AsyncClient(reconnection=False)
        got = []
        confirmed = asyncio.get_running_loop().create_future()
        client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        client.on("bot_uttered", lambda data: got.append(data.get("text")))
        await client.connect(f"http://127.0.0.1:{second}", transports=["polling"], wait_timeout=10)
        await client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(confirmed, 10)
        await client.emit("user_uttered", {"message": "hi", "session_id": session})
        for _ in range(300):
            if got:
                break
            await asyncio.sleep(0.2)
        body = json.dumps([{"event": "bot", "text": "Hi, this is Sam from admissions."}]).encode()
        url = (f"http://127.0.0.1:{first}/conversations/{session}/tracker/events?token={API_TOKEN}"
               "&output_channel=latest&execute_side_effects=true")
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=30).read())
        for _ in range(100):
            if "Hi, this is Sam from admissions." in got:
                break
            await asyncio.sleep(0.2)
        await client.disconnect()
        return got

    got = asyncio.run(scenario())
    assert got and "Hi, this is Sam from admissions." in got
