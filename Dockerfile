# Strobe's container image: one image, every role. The role is the command:
#
#   docker run -p 3000:3000 -v strobe-data:/data strobe            # `strobe start`: embedded mode, every role
#   docker run ... strobe web | worker | migrate                      # cluster mode (DATABASE_URL, REDIS_URL, AMQP_URL, SESSION_SECRET)
#   docker run --rm -it -v strobe-data:/data strobe admin create alice
#
# deploy/compose.yaml runs a whole cluster with it, deploy/k8s/ on Kubernetes (see the README).

# Debian slim, not Alpine: sharp's prebuilt libvips and @node-rs/argon2 are built for glibc.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Dependencies only, so this layer is rebuilt when the lockfile changes, not on every source edit.
# --ignore-scripts: the package's own `prepare` script builds, and the sources are not here yet;
# no runtime dependency has an install script (sharp and argon2 ship prebuilt binaries as optional
# packages of the platform npm runs on).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY src src
COPY web web
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
# The data folder belongs to the unprivileged user, so a fresh named volume mounted here does too.
# Numeric ids: Kubernetes can only check runAsNonRoot against a number.
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME /data
USER 1000:1000
EXPOSE 3000
# /healthz answers while the process lives; /readyz is for load balancers (it turns 503 while
# draining or when PostgreSQL or Redis is away). There is no curl in slim images: Node asks. The
# worker role has no HTTP port, so compose and Kubernetes turn this check off for it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: Strobe drains and exits within 10 s.
ENTRYPOINT ["node", "/app/bin/strobe.js"]
CMD ["start"]
