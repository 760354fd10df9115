#!/usr/bin/env bash
# Builds Strobe's container image with Podman and runs it for real:
#   1. embedded (`strobe start`, the image's default command) on a read-only root with a /data
#      volume: /healthz, /readyz, the browser app, the image's HEALTHCHECK, a sign-up (argon2), a
#      photo upload resized by sharp inside the image, then SIGTERM: a drain and exit code 0;
#   2. cluster mode: `migrate`, `web` and `worker` containers on this machine's PostgreSQL, Redis and
#      RabbitMQ, in a database, a vhost and a Redis key prefix of their own (removed at the end):
#      a photo uploaded through `web` is resized by `worker`.
# Not part of npm test: it needs Podman, root and a few minutes. Usage (as root):
#
#   scripts/image-smoke.sh                # the Dockerfile's base image, pulled; else a local one
#   scripts/image-smoke.sh --local-base   # always the local base (no registry needed)
#
# The local base, for machines that reach Debian's mirrors and npm but no container registry: a
# Debian bookworm root file system from debootstrap plus this machine's Node 20 binary, npm and CA
# bundle (NODE_EXTRA_CA_CERTS), tagged localhost/strobe-node-base:<version>, never under the official
# node image's name. Debian packages: podman, debootstrap, and runc where cgroups are hybrid (crun
# refuses them). Without systemd, Podman logs that it cannot schedule the HEALTHCHECK's timer; the
# script runs the check itself (podman healthcheck run). Env: STROBE_SMOKE_TAG (localhost/strobe:smoke), KEEP=1 keeps containers for a look.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${STROBE_SMOKE_TAG:-localhost/strobe:smoke}
RUN_ID=smoke$(date +%s)$$
LOCAL_BASE=0
[[ ${1:-} == --local-base ]] && LOCAL_BASE=1

say() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nimage-smoke: FAILED: %s\n' "$*" >&2; exit 1; }
seconds() { date +%s.%N; }
elapsed() { printf '%.1f s' "$(echo "$(seconds) - $1" | bc)"; }

command -v podman >/dev/null || fail 'podman is not installed (apt-get install -y podman)'
[[ $(id -u) == 0 ]] || fail 'run as root (rootful Podman, debootstrap)'

# What this machine's kernel and sandbox allow: crun refuses hybrid cgroup hierarchies (runc
# copes), and without CAP_SYS_RESOURCE Podman's default rlimits (nofile=1048576) cannot be set,
# so the containers get this shell's own.
PODMAN=(podman)
if [[ -d /sys/fs/cgroup/unified ]] && command -v runc >/dev/null; then PODMAN+=(--runtime runc); fi
NPROC=$(ulimit -Hu); [[ $NPROC == unlimited || $NPROC -gt 32768 ]] && NPROC=32768
LIMITS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=$NPROC:$NPROC")

CONTAINERS=()
cleanup() {
  local status=$?
  if [[ ${KEEP:-0} != 1 ]]; then
    for c in "${CONTAINERS[@]}"; do "${PODMAN[@]}" rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
    "${PODMAN[@]}" volume rm -f "$RUN_ID-data" >/dev/null 2>&1 || true
    "${PODMAN[@]}" volume rm -f "$RUN_ID-shared" >/dev/null 2>&1 || true
  fi
  if [[ -n ${DB:-} ]]; then
    psql -h 127.0.0.1 -U postgres -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
    curl -s -u guest:guest -X DELETE "http://127.0.0.1:15672/api/vhosts/$RUN_ID" >/dev/null || true
    redis-cli -h 127.0.0.1 --scan --pattern "$RUN_ID:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
  fi
  exit $status
}
trap cleanup EXIT

# --- the base image -------------------------------------------------------------------------------
NODE_IMAGE=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
[[ -n $NODE_IMAGE ]] || fail 'the Dockerfile has no ARG NODE_IMAGE'
BASE=$NODE_IMAGE
if [[ $LOCAL_BASE == 0 ]] && ! "${PODMAN[@]}" image exists "docker.io/library/$NODE_IMAGE"; then
  say "pulling $NODE_IMAGE"
  timeout 300 "${PODMAN[@]}" pull "docker.io/library/$NODE_IMAGE" || LOCAL_BASE=1
fi
if [[ $LOCAL_BASE == 1 ]]; then
  NODE_VERSION=$(node -p 'process.versions.node')
  [[ $NODE_VERSION == 20.* ]] || fail "the local base needs this machine's node to be Node 20, it is $NODE_VERSION"
  BASE=localhost/strobe-node-base:$NODE_VERSION
  if ! "${PODMAN[@]}" image exists "$BASE"; then
    command -v debootstrap >/dev/null || fail 'debootstrap is not installed (apt-get install -y debootstrap)'
    say "making the local base $BASE (debootstrap bookworm + this machine's node $NODE_VERSION)"
    started=$(seconds)
    ROOTFS=$(mktemp -d /var/tmp/strobe-base-XXXXXX)
    debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian >/dev/null
    NODE_BIN=$(command -v node)
    NODE_PREFIX=$(dirname "$(dirname "$(readlink -f "$NODE_BIN")")")
    install -D -m 755 "$(readlink -f "$NODE_BIN")" "$ROOTFS/usr/local/bin/node"
    strip --strip-debug "$ROOTFS/usr/local/bin/node" 2>/dev/null || true
    mkdir -p "$ROOTFS/usr/local/lib/node_modules"
    cp -a "$NODE_PREFIX/lib/node_modules/npm" "$ROOTFS/usr/local/lib/node_modules/"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
    # As the official image: a `node` user 1000.
    chroot "$ROOTFS" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node && apt-get clean && rm -rf /var/lib/apt/lists/*'
    CHANGES=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["node"]')
    # A TLS-intercepting proxy's CA that this machine trusts must be trusted by npm in the build too.
    if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -f $NODE_EXTRA_CA_CERTS ]]; then
      install -D -m 644 "$NODE_EXTRA_CA_CERTS" "$ROOTFS/usr/local/share/strobe-smoke/extra-ca.crt"
      CHANGES+=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/strobe-smoke/extra-ca.crt')
    fi
    tar -C "$ROOTFS" -c . | "${PODMAN[@]}" import --quiet "${CHANGES[@]}" - "$BASE" >/dev/null
    rm -rf "$ROOTFS"
    echo "local base made in $(elapsed "$started")"
  fi
fi

# --- build ------------------------------------------------------------------------------------------
say "building $TAG from the Dockerfile (base $BASE)"
started=$(seconds)
# --format docker: the OCI format has no HEALTHCHECK. The npm cache is mounted, not copied in.
mkdir -p "$HOME/.npm"
"${PODMAN[@]}" build --format docker "${LIMITS[@]}" --network host --build-arg "NODE_IMAGE=$BASE" \
  --volume "$HOME/.npm:/root/.npm" -t "$TAG" -f Dockerfile . >"/tmp/$RUN_ID-build.log" 2>&1 ||
  { tail -30 "/tmp/$RUN_ID-build.log"; fail "the build failed (log: /tmp/$RUN_ID-build.log)"; }
echo "built in $(elapsed "$started"); image size: $("${PODMAN[@]}" image inspect --format '{{.Size}}' "$TAG" | numfmt --to=iec)"
rm -f "/tmp/$RUN_ID-build.log"

[[ $("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$TAG") == 1000:1000 ]] || fail 'the image does not run as 1000:1000'
"${PODMAN[@]}" run --rm "${LIMITS[@]}" --entrypoint node -w /app "$TAG" --input-type=module -e "
  const sharp = (await import('sharp')).default;
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).png().toBuffer();
  const webp = await sharp(png).resize(32).webp().toBuffer();
  const { hash } = await import('@node-rs/argon2');
  await hash('smoke');
  console.log('sharp ' + sharp.versions.sharp + ' (libvips ' + sharp.versions.vips + ') and argon2 work in the image: ' + webp.length + ' bytes of WebP');
"

# --- the client: sign up, upload, wait for the resized photo ----------------------------------------
# Runs on this machine with the repository's own sharp, against the container's published port.
photo_round_trip() {
  node --input-type=module -e "
    import sharp from 'sharp';
    const base = process.argv[1];
    const json = async (res) => ({ status: res.status, body: await res.json() });
    const reg = await fetch(base + '/api/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'smoke_' + Date.now().toString(36).slice(-6), password: 'correct horse battery' }) });
    if (reg.status !== 201) throw new Error('register: ' + reg.status + ' ' + await reg.text());
    const cookie = reg.headers.get('set-cookie').split(';')[0];
    const jpeg = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
    const form = new FormData();
    form.append('caption', 'from the image smoke test');
    form.append('file', new Blob([jpeg], { type: 'image/jpeg' }), 'smoke.jpg');
    const up = await json(await fetch(base + '/api/photos', { method: 'POST', headers: { cookie }, body: form }));
    if (up.status !== 202) throw new Error('upload: ' + up.status + ' ' + JSON.stringify(up.body));
    const started = Date.now();
    for (;;) {
      const { body } = await json(await fetch(base + '/api/photos/' + up.body.photo.id, { headers: { cookie } }));
      if (body.photo.status === 'ready') { console.log('photo ready (resized in the container) ' + (Date.now() - started) + ' ms after the upload answered'); break; }
      if (body.photo.status !== 'processing') throw new Error('photo: ' + JSON.stringify(body.photo));
      if (Date.now() - started > 60000) throw new Error('the photo is still processing after 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  " "$1"
}

wait_for() { # url, what
  local deadline=$((SECONDS + 90))
  until curl -fsS --max-time 2 "$1" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$2 did not answer $1 within 90 s"
    sleep 0.5
  done
}

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# Stops a container with SIGTERM and checks that it drained and exited 0 within the grace period.
stop_drained() { # container, what
  local started
  started=$(seconds)
  "${PODMAN[@]}" stop -t 20 "$1" >/dev/null
  local code
  code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$1")
  [[ $code == 0 ]] || { "${PODMAN[@]}" logs --tail 20 "$1"; fail "$2 exited $code after SIGTERM"; }
  echo "$2: SIGTERM to exit 0 in $(elapsed "$started")"
}

# --- 1. embedded ---------------------------------------------------------------------------------
say 'embedded: strobe start (the default command), read-only root, a /data volume'
PORT=$(free_port)
"${PODMAN[@]}" volume create "$RUN_ID-data" >/dev/null
C=$RUN_ID-embedded
CONTAINERS+=("$C")
started=$(seconds)
"${PODMAN[@]}" run -d --name "$C" "${LIMITS[@]}" --read-only --tmpfs /tmp -v "$RUN_ID-data:/data" \
  -p "127.0.0.1:$PORT:3000" -e LOG_LEVEL=warn "$TAG" >/dev/null
wait_for "http://127.0.0.1:$PORT/healthz" 'the embedded container'
echo "/healthz answered $(elapsed "$started") after podman run"
curl -fsS "http://127.0.0.1:$PORT/readyz" | grep -q '"ok":true' || fail '/readyz is not ok'
curl -fsS "http://127.0.0.1:$PORT/" | grep -qi '<!doctype html' || fail 'the browser app is not served'
[[ $("${PODMAN[@]}" exec "$C" id -u) == 1000 ]] || fail 'the process does not run as uid 1000'
"${PODMAN[@]}" healthcheck run "$C" >/dev/null || fail "the image's HEALTHCHECK reports unhealthy"
echo "uid 1000, /readyz ok, browser app served, HEALTHCHECK healthy"
photo_round_trip "http://127.0.0.1:$PORT"
stop_drained "$C" 'embedded'

# --- 2. cluster mode -------------------------------------------------------------------------------
say "cluster: migrate, web and worker on this machine's PostgreSQL, Redis and RabbitMQ ($RUN_ID)"
command -v psql >/dev/null && command -v redis-cli >/dev/null || fail 'psql and redis-cli are needed for the cluster part'
# The vhost is made and removed through RabbitMQ's management API, as the tests' freshVhost does.
curl -fsS -o /dev/null -u guest:guest http://127.0.0.1:15672/api/overview ||
  fail "RabbitMQ's management API (127.0.0.1:15672, guest) does not answer: the cluster part needs it for a vhost of its own"
DB=strobe_$RUN_ID
psql -h 127.0.0.1 -U postgres -qc "create database $DB" >/dev/null
curl -fsS -u guest:guest -X PUT "http://127.0.0.1:15672/api/vhosts/$RUN_ID" >/dev/null
curl -fsS -u guest:guest -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
  "http://127.0.0.1:15672/api/permissions/$RUN_ID/guest" >/dev/null
PORT=$(free_port)
CLUSTER_ENV=(
  -e "DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB"
  -e REDIS_URL=redis://127.0.0.1:6379
  -e "REDIS_PREFIX=$RUN_ID:"
  -e "AMQP_URL=amqp://guest:guest@127.0.0.1:5672/$RUN_ID"
  -e "SESSION_SECRET=$(head -c 32 /dev/urandom | base64)"
  -e REGISTRATION=open
  -e LOG_LEVEL=warn
)
# One volume for photos, as compose's strobe-data: web writes the originals, worker the variants.
"${PODMAN[@]}" volume create "$RUN_ID-shared" >/dev/null
RUN=("${PODMAN[@]}" run "${LIMITS[@]}" --network host --read-only --tmpfs /tmp -v "$RUN_ID-shared:/data" "${CLUSTER_ENV[@]}")
started=$(seconds)
"${RUN[@]}" --rm "$TAG" migrate
echo "migrate: done in $(elapsed "$started")"
CONTAINERS+=("$RUN_ID-web" "$RUN_ID-worker")
"${RUN[@]}" -d --name "$RUN_ID-web" -e "PORT=$PORT" "$TAG" web >/dev/null
"${RUN[@]}" -d --name "$RUN_ID-worker" "$TAG" worker >/dev/null
wait_for "http://127.0.0.1:$PORT/readyz" 'the web container'
curl -fsS "http://127.0.0.1:$PORT/readyz" | grep -q '"amqp":"ok"' || fail '/readyz does not show RabbitMQ ok'
echo "web: /readyz ok (database, redis, amqp)"
photo_round_trip "http://127.0.0.1:$PORT"
stop_drained "$RUN_ID-web" 'web'
stop_drained "$RUN_ID-worker" 'worker'

say "image-smoke: everything passed ($TAG)"
