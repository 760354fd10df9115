#!/usr/bin/python3
"""A resizer for Strobe in Python: it stands in for Strobe's own, by the resize contract alone.

It consumes `photo.resize` requests from RabbitMQ, reads the original where the request says,
writes each variant where the request says, and replies with a `photo.resized` message; Strobe's
worker turns the reply into a ready photo. It never touches Strobe's tables. See docs/messages.md.

Needs Debian's packages only: python3-pika and python3-pil, run with /usr/bin/python3.

    AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2F DATA_DIR=/var/lib/strobe /usr/bin/python3 resizer.py

DATA_DIR is the volume Strobe's filesystem stores live on (DATA_DIR/uploads and DATA_DIR/media);
with S3 the request carries presigned URLs instead and DATA_DIR is not needed.
"""
import io
import json
import os
import sys
import time
import urllib.request
import uuid

import pika
from PIL import Image, ImageOps

EXCHANGE = "strobe.jobs"
REQUESTS = "strobe.q.photo.resize"
REPLIES = "photo.resized"
MAX_PIXELS = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # a bigger image raises DecompressionBombError before decoding


def blob_path(location):
    key = location["key"]
    if "/" in key or ".." in key or len(key) < 5:
        raise ValueError(f"not a blob key: {key!r}")
    return os.path.join(os.environ["DATA_DIR"], location["store"], key[0:2], key[2:4], key)


def read_original(location):
    if location.get("url"):
        with urllib.request.urlopen(location["url"], timeout=60) as response:
            return response.read()
    with open(blob_path(location), "rb") as f:
        return f.read()


def write_variant(location, data):
    if location.get("url"):
        request = urllib.request.Request(location["url"], data=data, method="PUT", headers={"Content-Type": "image/webp"})
        with urllib.request.urlopen(request, timeout=60):
            return
    path = blob_path(location)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{uuid.uuid4().hex}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)  # readers never see half a file


def gps_of(image):
    """Decimal degrees from the EXIF GPS block, or None."""
    try:
        gps = image.getexif().get_ifd(0x8825)
        def degrees(values, ref):
            d, m, s = (float(v) for v in values)
            value = d + m / 60 + s / 3600
            return -value if ref in ("S", "W") else value
        lat = degrees(gps[2], gps[1])
        lon = degrees(gps[4], gps[3])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return {"lat": lat, "lon": lon}
    except Exception:
        pass
    return None


def variant(image, width):
    copy = image.copy()
    if copy.width > width:
        copy = copy.resize((width, max(1, round(copy.height * width / copy.width))), Image.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=80)  # a new file: no EXIF, no GPS, nothing but pixels
    return out.getvalue(), copy.width, copy.height


def resize(request):
    original = read_original(request["original"])
    try:
        image = Image.open(io.BytesIO(original))
        gps = gps_of(image)
        image = ImageOps.exif_transpose(image).convert("RGB")
    except Image.DecompressionBombError:
        return {"photoId": request["photoId"], "ok": False, "reason": "Images are at most 60 megapixels."}
    except Exception:
        return {"photoId": request["photoId"], "ok": False, "reason": "The file is not a readable image."}
    reply = {"photoId": request["photoId"], "ok": True, "width": image.width, "height": image.height, "variants": {}, "placeholder": None, "gps": gps}
    for name in ("display", "thumb"):
        target = request["variants"][name]
        data, width, height = variant(image, target["width"])
        write_variant(target, data)
        reply["variants"][name] = {"key": target["key"], "width": width, "height": height}
    return reply


def main():
    connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
    channel = connection.channel()
    channel.confirm_delivery()  # a reply counts once the broker has it
    channel.basic_qos(prefetch_count=1)
    # As Strobe declares them (docs/messages.md): declaring again with the same arguments is harmless,
    # and lets the resizer start before Strobe has sent its first request.
    channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True)
    for job in ("photo.resize", REPLIES):
        queue = f"strobe.q.{job}"
        channel.queue_declare(queue=queue, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(queue=queue, exchange=EXCHANGE, routing_key=job)

    def on_request(ch, method, properties, body):
        message = json.loads(body)
        request = message["payload"]
        if "original" not in request or "variants" not in request:
            # An old-style request (the photo id only): only Strobe's resizer can serve it.
            ch.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            time.sleep(1)
            return
        try:
            reply = resize(request)
        except Exception as error:  # the store or the network: try again later
            print(f"resize {request['photoId']} failed: {error}; retrying", file=sys.stderr, flush=True)
            time.sleep(1)
            ch.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            return
        reply_id = str(uuid.uuid4())
        ch.basic_publish(
            exchange=EXCHANGE,
            routing_key=REPLIES,
            body=json.dumps({"id": reply_id, "name": REPLIES, "payload": reply}),
            properties=pika.BasicProperties(
                delivery_mode=2,
                content_type="application/json",
                message_id=reply_id,
                headers={"x-attempt": 1, "x-due-at": int(time.time() * 1000)},
            ),
        )
        ch.basic_ack(delivery_tag=method.delivery_tag)  # only after the reply is confirmed
        print(f"resized {request['photoId']}: {'ok' if reply['ok'] else reply['reason']}", flush=True)

    channel.basic_consume(queue=REQUESTS, on_message_callback=on_request)
    print(f"resizer: consuming {REQUESTS}", flush=True)
    try:
        channel.start_consuming()
    except KeyboardInterrupt:
        pass
    finally:
        try:
            connection.close()
        except Exception:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
