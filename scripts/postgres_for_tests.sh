#!/usr/bin/env bash
# A private PostgreSQL server for childhub's pull tests and benchmark, started without root.
#
#   eval "$(bash scripts/postgres_for_tests.sh start /tmp/childhub-pg)"   # prints: export CHILDHUB_TEST_PG=...
#   bash scripts/postgres_for_tests.sh stop /tmp/childhub-pg
#
# It makes a cluster in FOLDER/data (password authentication, scram-sha-256), listening on 127.0.0.1 at a free
# port and on a Unix socket in FOLDER, with a role and database childhub_test; the password is made at random
# and kept in FOLDER/password (mode 0600). The binaries are found with pg_config, or in $PG_BIN, or in
# /usr/lib/postgresql/<newest>/bin. PostgreSQL will not run as root: run as root (CI), the server runs as the
# account $PG_USER (default postgres, which Debian's package creates), which is given the folder.
set -euo pipefail
action="${1:?start or stop}"
folder="${2:?a folder for the cluster}"
bin="${PG_BIN:-}"
if [[ -z "$bin" ]]; then
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    bin="$(pg_config --bindir)"
  else
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  fi
fi
[[ -x "$bin/initdb" ]] || { echo "no PostgreSQL binaries (initdb) found; set PG_BIN" >&2; exit 1; }
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u "${PG_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}
case "$action" in
  stop)
    as_owner "$bin/pg_ctl" -D "$folder/data" -m fast -w stop >/dev/null
    ;;
  start)
    mkdir -p "$folder"
    chmod 700 "$folder"
    [[ "$(id -u)" == 0 ]] && chown "${PG_USER:-postgres}" "$folder"
    if [[ ! -f "$folder/data/PG_VERSION" ]]; then
      umask 077
      python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$folder/password"
      [[ "$(id -u)" == 0 ]] && chown "${PG_USER:-postgres}" "$folder/password"
      as_owner "$bin/initdb" -D "$folder/data" -U childhub_test --auth=scram-sha-256 --pwfile="$folder/password" \
        -E UTF8 --locale=C.UTF-8 >"$folder/initdb.log"
    fi
    if as_owner "$bin/pg_ctl" -D "$folder/data" status >/dev/null 2>&1; then  # running already: its port
      port="$(sed -n 4p "$folder/data/postmaster.pid")"
      echo "export CHILDHUB_TEST_PG='host=127.0.0.1 port=$port dbname=childhub_test user=childhub_test password=$(cat "$folder/password")'"
      exit 0
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w \
      -o "-p $port -k $folder -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=64MB" start >/dev/null
    PGPASSWORD="$(cat "$folder/password")" "$bin/psql" -h 127.0.0.1 -p "$port" -U childhub_test -d postgres -Atq \
      -c "SELECT 1 FROM pg_database WHERE datname = 'childhub_test'" | grep -q 1 ||
      PGPASSWORD="$(cat "$folder/password")" "$bin/createdb" -h 127.0.0.1 -p "$port" -U childhub_test childhub_test
    echo "export CHILDHUB_TEST_PG='host=127.0.0.1 port=$port dbname=childhub_test user=childhub_test password=$(cat "$folder/password")'"
    ;;
  *)
    echo "start or stop, not $action" >&2
    exit 1
    ;;
esac
