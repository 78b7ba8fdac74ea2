#!/bin/sh
# A throwaway PostgreSQL on 127.0.0.1 for the inbox's tests and load bench.
#
#   scripts/inbox-pg.sh start   # prints the URL for VOUCHSAFE_INBOX_TEST_PG
#   scripts/inbox-pg.sh stop
#
# Uses initdb/pg_ctl from PATH (or /usr/lib/postgresql/*/bin, where Debian's postgresql package
# puts them). PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
# Trust authentication on loopback only: never for anything but tests.
set -eu

DIR=${INBOX_PG_DIR:-/tmp/vouchsafe-inbox-pg}
PORT=${INBOX_PG_PORT:-54329}

bin() {
    if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
    for candidate in /usr/lib/postgresql/*/bin/"$1"; do
        if [ -x "$candidate" ]; then echo "$candidate"; return; fi
    done
    echo "inbox-pg: $1 not found (apt-get install postgresql)" >&2
    exit 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    INITDB=$(bin initdb)
    PG_CTL=$(bin pg_ctl)
    if [ ! -d "$DIR/data" ]; then
        mkdir -p "$DIR"
        if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
        as_owner "$INITDB" -D "$DIR/data" -U postgres --auth=trust >"$DIR/initdb.log" 2>&1
    fi
    as_owner "$PG_CTL" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-k $DIR -c listen_addresses=127.0.0.1 -p $PORT -c max_connections=200" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
stop)
    as_owner "$(bin pg_ctl)" -D "$DIR/data" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
