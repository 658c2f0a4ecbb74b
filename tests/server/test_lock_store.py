"""The Redis lock store on a real Redis server: tickets of one conversation stay unique and in order when
several processes (here: separate clients in threads) take and release them at the same time."""
from concurrent.futures import ThreadPoolExecutor

from bot.server.lock_store import UrlRedisLockStore, redis_parts


def test_redis_url_parts():
    assert redis_parts("redis://:s%40cret@cache.internal:6380/3") == {
        "host": "cache.internal", "port": 6380, "db": 3, "password": "s@cret", "use_ssl": False}


def test_concurrent_tickets_for_one_conversation_are_unique(redis_url):
    stores = [UrlRedisLockStore(url=redis_url) for _ in range(8)]

    def take(i):
        return [stores[i % len(stores)].issue_ticket("burst") for _ in range(25)]

    with ThreadPoolExecutor(len(stores)) as pool:
        tickets = [t for batch in pool.map(take, range(len(stores))) for t in batch]
    assert len(tickets) == len(set(tickets)) == 200
    lock = stores[0].get_lock("burst")
    assert len(lock.tickets) == 200  # no ticket was overwritten by another client's save


def test_releasing_tickets_at_the_same_time_loses_none_of_the_others(redis_url):
    stores = [UrlRedisLockStore(url=redis_url) for _ in range(8)]
    tickets = [stores[0].issue_ticket("release") for _ in range(80)]
    to_release, to_keep = tickets[::2], tickets[1::2]

    def release(i):
        for ticket in to_release[i::len(stores)]:
            stores[i].finish_serving("release", ticket)

    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(release, range(len(stores))))
    assert sorted(t.number for t in stores[0].get_lock("release").tickets) == sorted(to_keep)
