# Leasehold's server and console in one image: built in one stage, run from a slim one as a
# non-root user, with the embedded database (and its master key, unless LEASEHOLD_MASTER_KEY is
# given) in the /data volume. With DATABASE_URL it uses PostgreSQL instead (see compose.yaml).
#   docker build -t leasehold .        (podman / buildah: add --format docker, or HEALTHCHECK is dropped)
#   docker run -p 8080:8080 -v leasehold-data:/data leasehold

# NODE_IMAGE: a Node.js 20 Debian bookworm image with a `node` user; scripts/container-check.sh
# passes one made locally where no container registry can be reached.
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/contract/package.json packages/contract/
COPY packages/server/package.json packages/server/
COPY packages/cli/package.json packages/cli/
COPY packages/sdk/package.json packages/sdk/
COPY packages/console/package.json packages/console/
# Dependencies first (a layer that changes only with the lock file), then the sources and the build.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY . .
RUN node scripts/ts-build.js && node packages/console/build-if-needed.js && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 LEASEHOLD_DATA_DIR=/data
WORKDIR /app
# Only what runs: production dependencies and the built packages (no sources, no build scripts, so
# the command runs dist/ without the workspace's stale-build check).
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/contract/package.json packages/contract/
COPY --from=build /app/packages/contract/dist packages/contract/dist
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/dist packages/server/dist
COPY --from=build /app/packages/cli/package.json packages/cli/
COPY --from=build /app/packages/cli/bin packages/cli/bin
COPY --from=build /app/packages/cli/dist packages/cli/dist
COPY --from=build /app/packages/console/dist packages/console/dist
COPY LICENSE ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The server process itself (not npm), so SIGTERM reaches it: it drains requests and closes the database.
CMD ["node", "packages/cli/bin/leasehold.js", "serve"]
