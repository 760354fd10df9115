#!/usr/bin/python3
"""Send every new image in a folder to Strobe's signed ingest (POST /api/ingest).

The same as `strobe ingest watch`, in plain Python 3 with the standard library only (Debian's
/usr/bin/python3 is enough). A camera or photo booth drops files into the folder; each one is sent
once it has stopped growing, and remembered in <folder>/.strobe-ingest.json so a restart sends
nothing twice.

    STROBE_INGEST_SECRET=... /usr/bin/python3 watch.py FOLDER --source NAME --url http://127.0.0.1:3000

Signature: X-Signature-256: sha256=<hex HMAC-SHA256(secret, X-Timestamp + "." + raw body)>, with
X-Timestamp the current Unix time in seconds and X-Source the source name.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.request

IMAGE = re.compile(r"\.(jpe?g|png|webp|avif|gif)$", re.IGNORECASE)
TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif", "gif": "image/gif"}
STATE_FILE = ".strobe-ingest.json"


def multipart(filename, data, caption=None):
    boundary = "strobe-py-" + secrets.token_hex(12)
    parts = []
    if caption is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\n{caption}\r\n'.encode())
    safe = re.sub(r'["\r\n\\]', "_", filename)
    kind = TYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe}"\r\nContent-Type: {kind}\r\n\r\n'.encode())
    parts.append(data)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def send(url, source, secret, filename, data, caption=None):
    body, content_type = multipart(filename, data, caption)
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url.rstrip("/") + "/api/ingest",
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "X-Source": source, "X-Timestamp": timestamp, "X-Signature-256": "sha256=" + signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")[:300]
    except OSError as error:
        return 0, str(error)


def load_state(path):
    try:
        with open(path) as f:
            state = json.load(f)
        return {"sent": state.get("sent", {}), "refused": state.get("refused", {})}
    except (OSError, ValueError):
        return {"sent": {}, "refused": {}}


def save_state(path, state):
    with open(path + ".tmp", "w") as f:
        json.dump(state, f, indent=2)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--source", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--caption")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--once", action="store_true", help="send what is there, then stop")
    args = parser.parse_args()
    secret = os.environ.get("STROBE_INGEST_SECRET")
    if not secret:
        print("watch.py: set STROBE_INGEST_SECRET to the source's secret", file=sys.stderr)
        return 2
    state_path = os.path.join(args.folder, STATE_FILE)
    state = load_state(state_path)
    sizes = {}
    while True:
        pending = 0
        for name in sorted(os.listdir(args.folder)):
            if not IMAGE.search(name) or name in state["sent"] or name in state["refused"]:
                continue
            try:
                size = os.path.getsize(os.path.join(args.folder, name))
            except OSError:
                continue
            if size == 0 or sizes.get(name) != size:
                sizes[name] = size
                pending += 1
                continue  # first seen, or still being written: look again
            with open(os.path.join(args.folder, name), "rb") as f:
                status, reply = send(args.url, args.source, secret, name, f.read(), args.caption)
            if status == 202:
                state["sent"][name] = reply["photo"]["id"]
                print(f"sent {name}: photo {reply['photo']['id']}", flush=True)
            elif 400 <= status < 500 and status != 429:
                state["refused"][name] = str(reply)
                print(f"refused {name} ({status}): {reply}", file=sys.stderr, flush=True)
            else:
                pending += 1
                print(f"could not send {name} ({status or 'network'}): will retry", file=sys.stderr, flush=True)
            save_state(state_path, state)
        if args.once and pending == 0:
            return 0
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
