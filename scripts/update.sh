#!/usr/bin/env bash
# Update a tenant to another release, with automatic rollback (docs/ops-runbook.md).
#
#   scripts/update.sh --compose DIR --tag TAG [--timeout SECONDS]
#       Docker: back up (scripts/backup.sh), pin APP_IMAGE_TAG=TAG in DIR/deploy/.env, start the new images (the
#       one-shot migrate service migrates first), check /health through nginx. When anything fails: the old tag
#       pinned again, the backup restored (the old release refuses the newer schema), the old images started.
#   scripts/update.sh --local DIR --release PATH [--timeout SECONDS]
#       The local stack of install.sh --local: back up (scripts/backup.sh), stop the stack, copy its data folder
#       aside, pin STACK_RELEASE=PATH (a checkout of the new release with its dependencies installed) in DIR/.env,
#       start it (it migrates at start), check /health. When anything fails: stopped, the data folder put back,
#       the old release pinned and started again.
#
# Either way the manual rollback command is printed before the update starts. Backups go to DIR/backups.
# Exit: 0 updated and healthy, 1 failed before anything changed, 2 bad usage,
#       4 the update failed and was rolled back (healthy on the old release), 5 the rollback failed too (see output).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
source "$HERE/scripts/lib/ops.sh" # wait_http

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
bad() { echo "update: $*" >&2; echo >&2; usage >&2; exit 2; }
say() { echo "update: $*" >&2; }

mode="" dir="" tag="" release="" timeout=180
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --compose | --local) [ -z "$mode" ] || bad "--compose or --local, not both"; mode=${1#--}; dir=${2:-}; [ -n "$dir" ] || bad "$1 needs the tenant folder"; shift ;;
    --tag) tag=${2:-}; [ -n "$tag" ] || bad "--tag needs a release tag"; shift ;;
    --release) release=${2:-}; [ -n "$release" ] || bad "--release needs a folder"; shift ;;
    --timeout) timeout=${2:-}; [[ "$timeout" =~ ^[0-9]+$ ]] || bad "--timeout needs seconds"; shift ;;
    *) bad "unknown argument $1" ;;
  esac
  shift
done
[ -n "$mode" ] || bad "say which stack: --compose DIR or --local DIR"
[ -d "$dir" ] || bad "no folder $dir"
dir=$(cd "$dir" && pwd)

# The value of KEY in env file $1.
val() { sed -n "s/^$2=//p" "$1" | tail -n 1; }
# Set KEY=VALUE in env file $1 (added when missing), through a temporary file renamed over it.
pin() {
  local f=$1 k=$2 v=$3
  if grep -q "^$k=" "$f"; then
    VALUE=$v awk -v k="$k" 'index($0, k "=") == 1 { print k "=" ENVIRON["VALUE"]; next } { print }' "$f" >"$f.partial"
  else
    { cat "$f"; echo "$k=$v"; } >"$f.partial"
  fi
  chmod --reference="$f" "$f.partial" && mv "$f.partial" "$f"
}

# ---------------------------------------------------------------------------------------------------------
if [ "$mode" = local ]; then
  [ -n "$release" ] || bad "--local needs --release PATH (the new release's checkout)"
  [ -x "$release/scripts/install.sh" ] || bad "$release is not a release checkout (no scripts/install.sh)"
  release=$(cd "$release" && pwd)
  env="$dir/.env"
  [ -f "$env" ] || bad "$dir is not a local tenant (no .env; see scripts/install.sh --local)"
  tenant=$(val "$env" STACK_TENANT_CODE)
  old=$(val "$env" STACK_RELEASE)
  old=${old:-$HERE}
  [ "$old" != "$release" ] || { say "$tenant already runs $release"; exit 0; }
  pidfile="$dir/state/stack.pid"
  running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
  stop_stack() {
    running || return 0
    local pid
    pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
    say "the stack (pid $pid) did not stop within 60 s"
    return 1
  }
  running || { say "the stack of $tenant is not running; start it first (scripts/install.sh --local $tenant --dir $dir)"; exit 1; }

  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  aside="$dir/data.before-$stamp"
  say "manual rollback, if ever needed: kill \$(cat $pidfile); rm -rf $dir/data && mv $aside $dir/data; set STACK_RELEASE=$old in $env; $old/scripts/install.sh --local $tenant --dir $dir"
  say "backing up first"
  "$old/scripts/backup.sh" --env-file "$dir/state/tenant.env" --out "$dir/backups" >/dev/null || { say "the backup failed: nothing changed"; exit 1; }
  stop_stack || exit 1
  # The stopped stack's data folder, as it is: the exact way back (the backup above is the copy kept).
  cp -a "$dir/data" "$aside"
  pin "$env" STACK_RELEASE "$release"
  say "starting $tenant on $release (it migrates at start)"
  if timeout "$timeout" "$release/scripts/install.sh" --local "$tenant" --dir "$dir"; then
    say "$tenant updated to $release; the data before the update is kept in $aside (delete it once all is well)"
    exit 0
  fi
  say "the new release did not come up healthy: rolling back to $old"
  stop_stack || true
  rm -rf "$dir/data.failed-$stamp"
  mv "$dir/data" "$dir/data.failed-$stamp"
  cp -a "$aside" "$dir/data"
  pin "$env" STACK_RELEASE "$old"
  if timeout "$timeout" "$old/scripts/install.sh" --local "$tenant" --dir "$dir"; then
    say "rolled back: $tenant runs $old again with its data from before the update (the failed attempt's data: $dir/data.failed-$stamp)"
    exit 4
  fi
  say "the rollback did not come up healthy either: see $dir/state/stack.out"
  exit 5
fi

# ---------------------------------------------------------------------------------------------------------
# Docker Compose
[ -n "$tag" ] || bad "--compose needs --tag TAG (the release to run)"
env="$dir/deploy/.env"
[ -f "$env" ] && [ -f "$dir/docker-compose.yml" ] || bad "$dir is not a tenant folder (see scripts/install.sh)"
command -v docker >/dev/null || { say "docker is not installed"; exit 1; }
compose=(docker compose --project-directory "$dir" --env-file "$env")
old=$(val "$env" APP_IMAGE_TAG)
[ "$old" != "$tag" ] || { say "already on $tag"; exit 0; }
for image in "$(val "$env" APP_IMAGE)" "$(val "$env" WORKER_IMAGE)" "$(val "$env" WEB_IMAGE)"; do
  docker image inspect "$image:$tag" >/dev/null 2>&1 || docker pull -q "$image:$tag" >/dev/null ||
    { say "image $image:$tag is neither here nor pullable (docker load it first): nothing changed"; exit 1; }
done
health() { wait_http "https://127.0.0.1:$(val "$env" HTTPS_PORT)/health" 60; }
say "backing up first"
out=$("$HERE/scripts/backup.sh" --compose "$dir" --out backups) || { say "the backup failed: nothing changed"; exit 1; }
backup=$(sed -n 's/.*"file":"\/tenant\/\([^"]*\)".*/\1/p' <<<"$out")
say "manual rollback, if ever needed: $HERE/scripts/restore.sh --compose $dir $backup --yes, then APP_IMAGE_TAG=$old in $env and ${compose[*]} up -d --wait"
pin "$env" APP_IMAGE_TAG "$tag"
if timeout "$timeout" "${compose[@]}" up -d --wait && health; then
  say "updated to $tag (backup $dir/$backup)"
  exit 0
fi
say "release $tag did not come up healthy: rolling back to $old"
pin "$env" APP_IMAGE_TAG "$old"
"${compose[@]}" stop nginx api worker || true
if "$HERE/scripts/restore.sh" --compose "$dir" "$backup" --yes --drop-previous && health; then
  say "rolled back: $old runs again with the data of the backup taken before the update"
  exit 4
fi
say "the rollback did not come up healthy either: ${compose[*]} ps; ${compose[*]} logs"
exit 5
