#!/usr/bin/env bash
# A new tenant's stack (docs/install.md).
#
#   scripts/install.sh <tenant> [--dir DIR] [--http-port N] [--https-port N] [--tag TAG] [--no-start]
#       Docker: renders the Compose template into DIR (default /srv/einvoice/<tenant>): docker-compose.yml, the
#       nginx config, and deploy/.env from deploy/.env.example with generated secrets and free ports; a
#       self-signed certificate when data/certs/ has none (--no-start stops here). Then the images, the migration,
#       the tenant (first administrator "admin", its password printed once), `up -d --wait`, /health via nginx.
#   scripts/install.sh --local <tenant> [--dir DIR] [--no-start]
#       Without Docker: the local stack (scripts/stack.sh) for this tenant, its data and settings in DIR (default
#       tenants/<tenant>): DIR/.env holds the free ports chosen; the secrets are generated into
#       DIR/data/stack-secrets.json at the first start. Started in the background; the PID is in DIR/state/stack.pid,
#       the API's address and the admin's credentials in DIR/state/stack.json; the ops scripts take
#       --env-file DIR/state/tenant.env.
#
# An existing .env is never overwritten: running install again starts the tenant with the settings it has.
# Exit: 0 installed and healthy, 1 failed (the message says where), 2 bad usage, 3 started but the health check failed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install: $*" >&2; exit 1; }
bad() { echo "install: $*" >&2; echo >&2; usage >&2; exit 2; }

local_mode=0 tenant="" dir="" http_port="" https_port="" tag="" start=1
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --local) local_mode=1 ;;
    --dir) dir=${2:-}; [ -n "$dir" ] || bad "--dir needs a folder"; shift ;;
    --http-port) http_port=${2:-}; shift ;;
    --https-port) https_port=${2:-}; shift ;;
    --tag) tag=${2:-}; [ -n "$tag" ] || bad "--tag needs a release tag"; shift ;;
    --no-start) start=0 ;;
    -*) bad "unknown option $1" ;;
    *) [ -z "$tenant" ] || bad "one tenant at a time ($tenant, $1)"; tenant=$1 ;;
  esac
  shift
done
[ -n "$tenant" ] || bad "name the tenant"
# The database's rule for tenant codes (sys_tenants.code).
[[ "$tenant" =~ ^[a-z0-9][a-z0-9-]{1,39}$ ]] || bad "tenant code \"$tenant\": 2-40 of a-z 0-9 -, starting with a letter or digit"
for p in "$http_port" "$https_port"; do
  [ -z "$p" ] || [[ "$p" =~ ^[0-9]+$ && "$p" -ge 1 && "$p" -le 65535 ]] || bad "port \"$p\" is not a TCP port"
done

hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
b64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The first port from $1 up that nothing listens on and no other tenant's .env under $2 claims.
free_port() {
  local p=$1 claimed
  claimed=$(cat "$2"/*/.env "$2"/*/deploy/.env 2>/dev/null | sed -n 's/^\(HTTP_PORT\|HTTPS_PORT\|STACK_[A-Z_]*PORT\)=//p' || true)
  while port_busy "$p" || grep -qx "$p" <<<"$claimed"; do p=$((p + 1)); done
  echo "$p"
}
set_var() { # set_var FILE KEY VALUE: replace KEY=… (the value may hold / + =)
  local f=$1 k=$2 v=$3
  grep -q "^$k=" "$f" || die "$f has no $k= line to fill"
  VALUE=$v awk -v k="$k" 'index($0, k "=") == 1 { print k "=" ENVIRON["VALUE"]; next } { print }' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
}

source "$ROOT/scripts/lib/ops.sh" # wait_http

# ---------------------------------------------------------------------------------------------------------
if [ $local_mode -eq 1 ]; then
  dir=${dir:-$ROOT/tenants/$tenant}
  mkdir -p "$dir/data" "$dir/state"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/.env" ]; then
    echo "install: $dir/.env exists: keeping it"
    grep -q "^STACK_TENANT_CODE=$tenant$" "$dir/.env" || die "$dir/.env belongs to another tenant ($(sed -n 's/^STACK_TENANT_CODE=//p' "$dir/.env"))"
  else
    parent=$(dirname "$dir")
    api=$(free_port 3300 "$parent")
    pg=$(free_port 54329 "$parent")
    redis=$(free_port 63799 "$parent")
    maria=$(free_port 33069 "$parent")
    sim=$(free_port 8479 "$parent")
    umask 077
    cat >"$dir/.env.partial" <<EOF
# The local stack of tenant $tenant (scripts/install.sh --local). Secrets: data/stack-secrets.json.
STACK_TENANT_CODE=$tenant
STACK_DATA_DIR=$dir/data
STACK_STATE_DIR=$dir/state
STACK_API_PORT=$api
STACK_PG_PORT=$pg
STACK_REDIS_PORT=$redis
STACK_MARIADB_PORT=$maria
STACK_TURNKEY_SIM_PORT=$sim
EOF
    mv -n "$dir/.env.partial" "$dir/.env"
    [ ! -f "$dir/.env.partial" ] || die "$dir/.env appeared meanwhile; not overwritten"
    echo "install: wrote $dir/.env (API on 127.0.0.1:$api)"
  fi
  [ $start -eq 1 ] || exit 0
  if [ -f "$dir/state/stack.pid" ] && kill -0 "$(cat "$dir/state/stack.pid")" 2>/dev/null; then
    echo "install: the stack of $tenant already runs (pid $(cat "$dir/state/stack.pid"))"
  else
    rm -f "$dir/state/stack.json"
    # The release pinned by update.sh (STACK_RELEASE), else this checkout. Its dependencies must be installed:
    # a checkout without node_modules goes through scripts/stack.sh, which installs them (and the OS packages).
    release=$(sed -n 's/^STACK_RELEASE=//p' "$dir/.env" | tail -n 1)
    release=${release:-$ROOT}
    [ -d "$release/scripts/stack" ] || die "STACK_RELEASE=$release in $dir/.env is not a release checkout"
    if [ -d "$release/node_modules" ]; then start_cmd=(node --import tsx scripts/stack/run.ts); else start_cmd=(scripts/stack.sh); fi
    (cd "$release"; set -a; source "$dir/.env"; set +a; exec nohup "${start_cmd[@]}" >"$dir/state/stack.out" 2>&1 </dev/null) &
    echo "install: starting the stack of release $release (log: $dir/state/stack.out)"
  fi
  for _ in $(seq 1 240); do
    [ -f "$dir/state/stack.json" ] && break
    if [ -f "$dir/state/stack.out" ] && grep -q "start-up failed" "$dir/state/stack.out"; then
      tail -n 20 "$dir/state/stack.out" >&2
      die "the stack did not start"
    fi
    sleep 0.5
  done
  [ -f "$dir/state/stack.json" ] || { tail -n 20 "$dir/state/stack.out" >&2; die "the stack did not come up within 120 s"; }
  url=$(sed -n 's/^  "apiUrl": "\(.*\)",$/\1/p' "$dir/state/stack.json")
  wait_http "$url/health" 30 || exit 3
  echo "install: $tenant is up at $url (credentials: $dir/state/stack.json; stop: kill \$(cat $dir/state/stack.pid))"
  exit 0
fi

# ---------------------------------------------------------------------------------------------------------
# Docker Compose
dir=${dir:-/srv/einvoice/$tenant}
mkdir -p "$dir/deploy/nginx" "$dir/data/certs" "$dir/data/acme" "$dir/data/turnkey" "$dir/backups" "$dir/exports"
dir=$(cd "$dir" && pwd)
# The app containers run as uid 1000 (node): the Turnkey folder and what the ops tools write are theirs.
chown 1000:1000 "$dir/data/turnkey" "$dir/backups" "$dir/exports" 2>/dev/null || echo "install: could not chown data/turnkey, backups, exports to uid 1000; do it as root" >&2
# The template (always the release's; the tenant's own changes belong in deploy/.env and deploy/nginx/allowlist.conf).
cp "$ROOT/docker-compose.yml" "$dir/docker-compose.yml"
for f in "$ROOT"/deploy/nginx/*.conf; do
  name=$(basename "$f")
  if [ "$name" = allowlist.conf ] && [ -f "$dir/deploy/nginx/$name" ]; then continue; fi
  cp "$f" "$dir/deploy/nginx/$name"
done
env="$dir/deploy/.env"
if [ -f "$env" ]; then
  echo "install: $env exists: keeping it"
  grep -q "^TENANT_CODE=$tenant$" "$env" || die "$env belongs to another tenant ($(sed -n 's/^TENANT_CODE=//p' "$env"))"
else
  parent=$(dirname "$dir")
  umask 077
  cp "$ROOT/deploy/.env.example" "$env.partial"
  set_var "$env.partial" TENANT_CODE "$tenant"
  set_var "$env.partial" JWT_SECRET "$(b64 48)"
  set_var "$env.partial" APP_ENCRYPTION_KEY "$(b64 32)"
  set_var "$env.partial" POSTGRES_PASSWORD "$(hex 24)"
  set_var "$env.partial" MINIO_ROOT_PASSWORD "$(hex 24)"
  set_var "$env.partial" HTTP_PORT "${http_port:-$(free_port 8080 "$parent")}"
  set_var "$env.partial" HTTPS_PORT "${https_port:-$(free_port 8443 "$parent")}"
  [ -z "$tag" ] || set_var "$env.partial" APP_IMAGE_TAG "$tag"
  mv -n "$env.partial" "$env"
  [ ! -f "$env.partial" ] || die "$env appeared meanwhile; not overwritten"
  umask 022
  echo "install: wrote $env with generated secrets (keep a copy with the backups: APP_ENCRYPTION_KEY cannot be recreated)"
fi
if [ ! -f "$dir/data/certs/fullchain.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$tenant" \
    -keyout "$dir/data/certs/privkey.pem" -out "$dir/data/certs/fullchain.pem" 2>/dev/null
  # nginx runs as uid 101 in its container and must read both; the key stays unreadable to anyone else.
  chmod 644 "$dir/data/certs/fullchain.pem"
  chown 101 "$dir/data/certs/privkey.pem" 2>/dev/null && chmod 600 "$dir/data/certs/privkey.pem" || chmod 644 "$dir/data/certs/privkey.pem"
  echo "install: made a self-signed certificate in $dir/data/certs (replace it with the real one: docs/install.md)"
fi
[ $start -eq 1 ] || { echo "install: rendered $dir (not started: --no-start)"; exit 0; }
command -v docker >/dev/null || die "docker is not installed; install Docker Engine with the compose plugin, or use --local"
docker compose version >/dev/null 2>&1 || die "the docker compose plugin is missing"
compose=(docker compose --project-directory "$dir" --env-file "$env")
"${compose[@]}" config -q || die "the rendered Compose file is not valid"
# The release's images: pulled or loaded beforehand (docker load), else built here from this checkout.
val() { sed -n "s/^$1=//p" "$env"; }
image_tag=$(val APP_IMAGE_TAG)
build() { # build IMAGE DOCKERFILE [TARGET]
  docker image inspect "$1:$image_tag" >/dev/null 2>&1 && return 0
  echo "install: building $1:$image_tag"
  docker build -q -f "$ROOT/deploy/$2" ${3:+--target "$3"} -t "$1:$image_tag" "$ROOT" >/dev/null
}
build "$(val APP_IMAGE)" Dockerfile api
build "$(val WORKER_IMAGE)" Dockerfile worker
build "$(val WEB_IMAGE)" Dockerfile.web
# Database, Redis and MinIO first; then the bucket, the schema and the tenant itself (its first administrator,
# when it has no user yet), so the API finds its tenant when it starts.
"${compose[@]}" up -d --wait db redis minio || die "the database, Redis or MinIO did not become healthy: ${compose[*]} logs"
"${compose[@]}" run --rm minio-init >/dev/null || die "could not create the bucket: ${compose[*]} logs minio"
"${compose[@]}" run --rm migrate || die "the migration failed (above)"
admin_password=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
provisioned=$("${compose[@]}" run --rm --no-deps -T -e INITIAL_ADMIN_PASSWORD="$admin_password" api \
  node --import tsx scripts/ops/provision.ts -- --name "$tenant") || die "could not create the tenant (above)"
"${compose[@]}" up -d --wait || die "the stack did not become healthy: ${compose[*]} ps; ${compose[*]} logs"
https_port=$(sed -n 's/^HTTPS_PORT=//p' "$env")
wait_http "https://127.0.0.1:$https_port/health" 60 || exit 3
echo "install: $tenant is up at https://<host>:$https_port/ (folder $dir)"
if grep -q '"adminCreated":true' <<<"$provisioned"; then
  echo "install: the first administrator is \"admin\" with password $admin_password — shown once: sign in, change it and enrol MFA now"
fi
