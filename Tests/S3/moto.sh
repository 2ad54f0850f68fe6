# Sourced by Tests/S3/run and Tests/Cluster/run: moto's S3 server (PyPI moto[server], in
# .build/s3-venv) and boto3 beside it.
#
#   ensure_moto              installs moto into the venv when missing; sets moto_python
#   start_moto PORT [auth]   starts a server on 127.0.0.1:PORT (with "auth", signatures are
#                            checked after three unchecked calls); appends its pid to pids
#   make_bucket URL BUCKET   makes an IAM user and key on an auth server, then the bucket with
#                            that key; prints "KEY SECRET"
moto_version=5.2.5
moto_venv=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.build/s3-venv
moto_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ensure_moto() {
    if ! "$moto_venv/bin/python" -c "import moto, boto3, sys; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null; then
        rm -rf "$moto_venv"
        python3 -m venv "$moto_venv" 2>/dev/null || {
            local sudo=()
            [[ $(id -u) -eq 0 ]] || sudo=(sudo)
            "${sudo[@]}" apt-get update -q >/dev/null
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv >/dev/null
            rm -rf "$moto_venv"
            python3 -m venv "$moto_venv"
        }
        "$moto_venv/bin/pip" install -q "moto[server]==$moto_version" || return 1
    fi
    moto_python=$moto_venv/bin/python
}

start_moto() {
    local port=$1 log=${work:-/tmp}/moto-$1.log
    if [[ ${2:-} == auth ]]; then
        INITIAL_NO_AUTH_ACTION_COUNT=3 "$moto_venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
    else
        "$moto_venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
    fi
    pids+=($!)
    for _ in $(seq 150); do curl -s "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && return 0; sleep 0.1; done
    cat "$log"
    return 1
}

make_bucket() {
    "$moto_python" "$moto_here/bucket.py" "$1" setup "$2"
}
