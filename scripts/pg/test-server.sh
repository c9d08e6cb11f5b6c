#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests, from Debian's postgresql package: initdb in a folder, listening only
# on a Unix socket inside it (no TCP port to collide with), trust authentication, fsync off.
#   scripts/pg/test-server.sh start DIR [OWNER_PID]   prints the connection URL (postgresql://moecl@/moecl?host=DIR/sock);
#                                                   with OWNER_PID, the server is stopped when that process ends
#   scripts/pg/test-server.sh restart DIR    stops it at once (like a crash) and starts it again, same options
#   scripts/pg/test-server.sh stop DIR
# Run as root, it runs the server as the postgres user (initdb refuses root). The server keeps none of this
# script's output streams open, so a caller reading them to the end is not held up.
set -euo pipefail
cmd=${1:?start or stop} dir=${2:?folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "test-server: no PostgreSQL server binaries under /usr/lib/postgresql (scripts/setup.sh installs postgresql)" >&2; exit 1; }
run=()
if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
case "$cmd" in
start)
    mkdir -p "$dir/sock"
    [ ${#run[@]} -eq 0 ] || chown -R postgres "$dir"
    "${run[@]}" "$bin/initdb" -D "$dir/data" -A trust -U moecl -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir/sock -c fsync=off -c max_connections=100" start \
        </dev/null >"$dir/pg_ctl.log" 2>&1 \
        || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
    "${run[@]}" "$bin/createdb" -h "$dir/sock" -U moecl moecl </dev/null
    if [ -n "${3:-}" ]; then
        # A watchdog, so a test process that dies without stopping its server leaves none running.
        owner=$3 as=""
        [ ${#run[@]} -eq 0 ] || as="runuser -u postgres --"
        setsid bash -c "while kill -0 $owner 2>/dev/null && [ -d '$dir/data' ]; do sleep 1; done; $as '$bin/pg_ctl' -D '$dir/data' -m immediate -w stop" \
            </dev/null >/dev/null 2>&1 &
    fi
    echo "postgresql://moecl@/moecl?host=$dir/sock"
    ;;
restart)
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 restart </dev/null >>"$dir/pg_ctl.log" 2>&1 \
        || { cat "$dir/pg_ctl.log" >&2; exit 1; }
    ;;
stop)
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
*) echo "test-server: unknown command '$cmd' (start or stop)" >&2; exit 2 ;;
esac
