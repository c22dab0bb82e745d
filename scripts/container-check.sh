#!/usr/bin/env bash
# Builds the Dockerfile with podman, starts the image and checks /healthz and the image's own
# healthcheck. Run by .ci/run; usable by hand:  bash scripts/container-check.sh
#
# Exit codes: 0 checked (or skipped, printed as "container check: SKIPPED: <why>" when podman cannot
# run on this machine), 1 the image failed to build or to start healthy.
#
# This machine reaches the npm registry and Debian's packages, not a container registry, so the
# Dockerfile's base (node:20-bookworm-slim) cannot be pulled. The base is then made here the way
# that image is: Debian bookworm (debootstrap, from Debian's packages) with this machine's Node.js
# 20, npm and Node's headers (node-gyp builds better-sqlite3 with them: their download site is not
# reachable either) copied in and a `node` user (uid 1000), and passed to the build as NODE_IMAGE.
# The machine's CA bundle goes in too (NODE_EXTRA_CA_CERTS): its way out to the npm registry
# presents a certificate of its own CA, which npm in the build container must trust.
# Containers run with runc (crun refuses this machine's hybrid cgroup v1 mounts) and with file and
# process limits no higher than the caller's (the default 1,048,576 open files needs a capability
# the session does not have).
set -uo pipefail
cd "$(dirname "$0")/.."

IMAGE=localhost/leasehold:ci
BASE=localhost/leasehold-node:20-bookworm
PORT=${LEASEHOLD_CONTAINER_PORT:-18480}
NAME=leasehold-ci-$$

skip() {
  echo "container check: SKIPPED: $*"
  exit 0
}
fail() {
  echo "container check: FAILED: $*" >&2
  exit 1
}

need() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}" uidmap fuse-overlayfs </dev/null; } >/tmp/leasehold-container-apt.log 2>&1 ||
    skip "apt-get install ${missing[*]} failed (see /tmp/leasehold-container-apt.log)"
}

ulimits=(--ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")
pod() { podman --runtime runc --cgroup-manager cgroupfs "$@"; }

need
if ! pod image exists "${BASE}"; then
  echo "making the base image ${BASE} (debootstrap bookworm + this machine's node $(node --version))"
  root=$(mktemp -d /tmp/leasehold-rootfs.XXXXXX)
  debootstrap --variant=minbase bookworm "${root}" http://deb.debian.org/debian >/tmp/leasehold-debootstrap.log 2>&1 ||
    skip "debootstrap failed (see /tmp/leasehold-debootstrap.log)"
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  cp "${node_bin}" "${root}/usr/local/bin/node"
  mkdir -p "${root}/usr/local/lib/node_modules"
  cp -a "${npm_dir}" "${root}/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "${root}/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "${root}/usr/local/bin/npx"
  headers=$(dirname "$(dirname "${node_bin}")")/include/node
  mkdir -p "${root}/usr/local/include"
  [ -d "${headers}" ] && cp -a "${headers}" "${root}/usr/local/include/node"
  mkdir -p "${root}/etc/ssl" && cp /etc/ssl/certs/ca-certificates.crt "${root}/etc/ssl/host-ca.crt"
  chroot "${root}" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home node' || skip "could not add the node user"
  rm -rf "${root}/var/cache/apt/archives/"*.deb "${root}/var/lib/apt/lists/"*
  tar -C "${root}" -c . |
    pod import --change 'CMD ["node"]' --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca.crt' \
      --change 'ENV npm_config_nodedir=/usr/local' - "${BASE}" >/dev/null || skip "podman import failed"
  rm -rf "${root}"
fi
out=$(pod run --rm "${ulimits[@]}" "${BASE}" node --version 2>&1) || skip "podman cannot run a container here: ${out}"
echo "podman runs containers (base: node ${out})"

started=$SECONDS
# The build's RUN steps fetch from Debian's packages and the npm registry over the host's network;
# the docker format keeps the HEALTHCHECK (the OCI format has no field for it and podman drops it).
pod build --format docker --network host "${ulimits[@]}" --build-arg "NODE_IMAGE=${BASE}" -t "${IMAGE}" . >/tmp/leasehold-container-build.log 2>&1 ||
  { tail -n 40 /tmp/leasehold-container-build.log >&2; fail "podman build failed (log: /tmp/leasehold-container-build.log)"; }
echo "built ${IMAGE} in $((SECONDS - started)) s ($(pod image inspect --format '{{.Size}}' "${IMAGE}") bytes)"

trap 'pod rm -f "${NAME}" >/dev/null 2>&1' EXIT
# Without systemd podman cannot schedule the HEALTHCHECK (it says so on stderr); it is run by hand below.
pod run -d --name "${NAME}" --network host "${ulimits[@]}" -e PORT="${PORT}" -e HOST=127.0.0.1 "${IMAGE}" >/dev/null || fail "the image did not start"
for _ in $(seq 1 60); do
  if body=$(curl -fsS "http://127.0.0.1:${PORT}/healthz" 2>/dev/null); then break; fi
  sleep 1
done
[ -n "${body:-}" ] || { pod logs "${NAME}" >&2; fail "/healthz did not answer within 60 s"; }
echo "/healthz: ${body}"
user=$(pod exec "${NAME}" id -un) || fail "podman exec failed"
[ "${user}" = node ] || fail "the server runs as ${user}, not node"
pod healthcheck run "${NAME}" >/dev/null || { pod logs "${NAME}" >&2; fail "the image's HEALTHCHECK failed"; }
echo "container check: OK (runs as ${user}, HEALTHCHECK passes)"
