#!/usr/bin/env bash
# Installs and starts everything an epj-chaos run needs, idempotently: a Docker engine (Debian docker.io, started
# when no daemon answers), debootstrap, Go, the npm dependencies, the compiled harness, the pinned Toxiproxy
# server and the stack images (built offline). On a warm machine every step is a quick check.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
say() { printf '[setup %3ds] %s\n' $((SECONDS - t0)) "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null || { echo "setup: need ${missing[*]} and there is no apt-get: install them by hand" >&2; exit 1; }
  if [[ -z $apt_updated ]]; then say "apt-get update"; as_root apt-get update -q >/dev/null; apt_updated=1; fi
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Tools from Debian. Go and Node may come from elsewhere; only install them when absent.
apt_install docker.io debootstrap iptables ca-certificates
command -v go >/dev/null || apt_install golang-go
# headless Chromium for the HTML report's browser test and bench (driven by playwright-core, which downloads no browser)
[[ -x /usr/bin/chromium ]] || apt_install chromium
command -v node >/dev/null || { echo "setup: Node.js ≥ 20.19 is required" >&2; exit 1; }

# 2. A Docker daemon. Reuse any that answers (DOCKER_HOST included); otherwise start dockerd.
if ! timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  say "starting dockerd"
  log=/var/log/epj-chaos-dockerd.log
  # a daemon killed with its session leaves pid files behind that would stop a new one from starting
  if ! pgrep -x dockerd >/dev/null; then as_root rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid; fi
  # --userland-proxy=false: a published port is an iptables rule, not a docker-proxy process per port; Toxiproxy
  # publishes one per front door and admin link, and `up` was 0.7 s faster without them (bench/stack-up.ts)
  as_root bash -c "setsid nohup dockerd --storage-driver=overlay2 --userland-proxy=false >>$log 2>&1 </dev/null &"
  for _ in $(seq 1 60); do
    timeout 2 docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  timeout 5 docker version >/dev/null 2>&1 || { echo "setup: dockerd did not come up; see $log:" >&2; tail -20 "$log" >&2; exit 1; }
fi
say "docker $(docker version --format '{{.Server.Version}}') answers"

# 3. Node dependencies and the compiled harness.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "compiling the harness"
npm run --silent build

# 4. Pinned Go tools and the images (skipped when their inputs are unchanged).
node dist/harness/cli/main.js images build
say "ready"
