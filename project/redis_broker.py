"""django-q2's broker on Redis, with receipts: a task a worker took and did
not finish goes back to the queue when its lease (``Q_CLUSTER["retry"]``
seconds) runs out, as on the ORM broker.

django-q2's own Redis broker pops a task off a list (BLPOP) and keeps no
trace of it: a worker that is killed (SIGKILL, out of memory, the machine
stops) or stopped by the cluster's ``timeout`` loses the task it was running
and those its cluster had fetched ahead (up to ``queue_limit``), silently —
no failure is recorded, nothing runs it again (django-q2's "Brokers" page:
"does not support message receipts"). This one keeps each task in a hash
until it is acknowledged; taking a task leases it in a sorted set by its
expiry, in one Lua script that first puts the expired leases back at the
head of the queue. Time is the Redis server's, so clusters on several
machines agree. The jobs of the app may run again (each is idempotent), so
a task run twice — a lease that ran out while the task still waited in its
cluster — does nothing twice.

Keys, under ``django_q:<cluster name>:``: ``ready`` (a list of task ids),
``leases`` (a sorted set: id → lease expiry), ``tasks`` (a hash: id →
signed package); the cluster statistics are django-q2's own.
"""
from __future__ import annotations

from time import sleep
from uuid import uuid4

from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

#: KEYS: ready, leases, tasks; ARGV: lease seconds, how many to take.
#: Returns id, package, id, package, …
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('LPUSH', KEYS[1], id)
end
local taken = {}
for _ = 1, tonumber(ARGV[2]) do
  local id = redis.call('LPOP', KEYS[1])
  if not id then break end
  local package = redis.call('HGET', KEYS[3], id)
  if package then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
    table.insert(taken, id)
    table.insert(taken, package)
  end
end
return taken
"""


class LeasedRedis(Redis):
    """``Q_CLUSTER["broker_class"]`` with ``Q_CLUSTER["redis"]`` (a URL or
    the keyword arguments of ``redis.Redis``)."""

    def __init__(self, list_key: str | None = None):
        super().__init__(list_key=list_key)
        self.list_key = f"django_q:{list_key or Conf.CLUSTER_NAME}"
        self._take = self.connection.register_script(_TAKE)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._take = self.connection.register_script(_TAKE)

    @property
    def _keys(self) -> tuple[str, str, str]:
        return f"{self.list_key}:ready", f"{self.list_key}:leases", f"{self.list_key}:tasks"

    def info(self) -> str:
        if not self._info:
            self._info = f"{super().info()}, with receipts"
        return self._info

    def enqueue(self, task):
        ready, _, tasks = self._keys
        task_id = uuid4().hex
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.hset(tasks, task_id, task)
            pipe.rpush(ready, task_id)
            pipe.execute()
        return task_id

    def dequeue(self):
        taken = self._take(keys=self._keys, args=[Conf.RETRY, Conf.BULK])
        if taken:
            return [(taken[i].decode(), taken[i + 1]) for i in range(0, len(taken), 2)]
        sleep(Conf.POLL)  # an empty queue: spare the server, as the ORM broker does
        return None

    def acknowledge(self, task_id):
        return self.delete(task_id)

    def fail(self, task_id):
        self.delete(task_id)

    def delete(self, task_id):
        _, leases, tasks = self._keys
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.zrem(leases, task_id)
            pipe.hdel(tasks, task_id)
            pipe.execute()

    def queue_size(self) -> int:
        return self.connection.llen(self._keys[0])

    def lock_size(self) -> int:
        return self.connection.zcard(self._keys[1])

    def purge_queue(self):
        return self.connection.delete(*self._keys)

    def delete_queue(self):
        return self.purge_queue()
