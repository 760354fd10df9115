#!/usr/bin/python3
"""Points per user, kept from Strobe's domain events: a consumer in another language.

A photo that becomes ready earns its owner 10 points; each like earns the photo's owner 1. The
consumer binds a queue of its own to the `strobe.events` topic exchange, keeps its state in tables
of its own (`points_*`), and is exact across its own crashes: each event is applied in one
PostgreSQL transaction that also records the event's id, and acknowledged only after the commit, so
a redelivery after a crash finds the id and changes nothing.

Needs Debian's packages only: python3-pika and python3-psycopg2, run with /usr/bin/python3.

    AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2F DATABASE_URL=postgres://... /usr/bin/python3 points.py
"""
import json
import os
import signal
import sys

import pika
import psycopg2

QUEUE = os.environ.get("POINTS_QUEUE", "points.events")
EXCHANGE = "strobe.events"
POINTS = {"photo.ready": 10, "photo.liked": 1}

SCHEMA = """
create table if not exists points_processed (event_id uuid primary key, processed_at timestamptz not null default now());
create table if not exists points (user_id text primary key, points bigint not null default 0);
"""


def owner_of(event):
    data = event["data"]
    if event["type"] == "photo.ready":
        return data["photo"]["owner"]["id"]
    if event["type"] == "photo.liked":
        return data["photo"]["ownerId"]
    return None


def apply(db, event):
    """Applies one event exactly once; returns False when it was applied before (a redelivery)."""
    with db:  # one transaction: the id and the points commit together or not at all
        with db.cursor() as cur:
            cur.execute("insert into points_processed (event_id) values (%s) on conflict do nothing", (event["id"],))
            if cur.rowcount == 0:
                return False
            user = owner_of(event)
            if user is not None and event["type"] in POINTS:
                cur.execute(
                    "insert into points (user_id, points) values (%s, %s) on conflict (user_id) do update set points = points.points + excluded.points",
                    (user, POINTS[event["type"]]),
                )
            return True


def main():
    db = psycopg2.connect(os.environ["DATABASE_URL"])
    with db, db.cursor() as cur:
        cur.execute(SCHEMA)
    connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
    channel = connection.channel()
    channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True)
    # Durable and quorum, like Strobe's own queues: events wait here while the consumer is down.
    channel.queue_declare(queue=QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    for routing_key in POINTS:
        channel.queue_bind(queue=QUEUE, exchange=EXCHANGE, routing_key=routing_key)
    channel.basic_qos(prefetch_count=20)

    def on_message(ch, method, properties, body):
        event = json.loads(body)
        applied = apply(db, event)
        ch.basic_ack(delivery_tag=method.delivery_tag)  # only after the commit
        print(("applied" if applied else "seen already"), event["type"], event["id"], flush=True)

    channel.basic_consume(queue=QUEUE, on_message_callback=on_message)
    signal.signal(signal.SIGTERM, lambda *_: channel.stop_consuming())
    print(f"points: consuming {QUEUE}", flush=True)
    try:
        channel.start_consuming()
    finally:
        try:
            connection.close()
        except Exception:
            pass
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
