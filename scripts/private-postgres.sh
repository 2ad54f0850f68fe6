# Sourced by scripts/test and Benchmarks/run: a private PostgreSQL server on a free port and a
# temporary data folder, for the process that sources it.
#
#   start_private_postgres   installs postgresql when missing, starts the server and sets
#                            pg_port and HERALD_PG_URL (postgres://herald@127.0.0.1:PORT/postgres)
#   stop_private_postgres    stops it and removes its data folder (call it from an EXIT trap)

start_private_postgres() {
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        local sudo=()
        [[ $(id -u) -eq 0 ]] || sudo=(sudo)
        "${sudo[@]}" apt-get update -q
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
    fi
    pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)
    pg_data=$(mktemp -d /tmp/herald-pg.XXXXXX)
    # PostgreSQL refuses to run as root: as root, run it as the postgres user the package made.
    as_pg=()
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$pg_data"
        as_pg=(runuser -u postgres --)
    fi
    (cd / && "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U herald --auth=trust -E UTF8 --locale=C --no-instructions >/dev/null)
    # A free port: try random ones until the server starts on one.
    pg_port=
    local port
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 40000))
        if (cd / && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -w -l "$pg_data/server.log" \
            -o "-p $port -k $pg_data -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off" \
            start >/dev/null); then
            pg_port=$port
            break
        fi
    done
    if [[ -z $pg_port ]]; then
        echo "PostgreSQL did not start; its log:" >&2
        cat "$pg_data/server.log" >&2 || true
        return 1
    fi
    HERALD_PG_URL="postgres://herald@127.0.0.1:$pg_port/postgres"
    echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port" >&2
}

stop_private_postgres() {
    [[ -n ${pg_data:-} ]] || return 0
    (cd / && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1) || true
    rm -rf "$pg_data"
}
