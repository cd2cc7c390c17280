#!/usr/bin/env bash
# Two Herald nodes (Payara Micro, demo mode) on a local Redis behind nginx, as server-config/nginx/herald.conf ships:
# open http://localhost:8080/herald/ in two tabs, send notices across the nodes, stop a node and watch its clients
# resume on the other. Ctrl-C (or SIGTERM, SIGKILL, or the end of this shell) stops every process it started.
#   bash server-config/cluster-demo.sh        PORT=9080 picks another front port (the nodes take the next two)
# Needs redis-server and nginx (apt-get install redis-server nginx); builds herald.war on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in redis-server nginx; do
    if ! command -v "$tool" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$tool" ]]; then
        echo "cluster-demo: $tool is missing; install it first: apt-get install redis-server nginx" >&2
        exit 1
    fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PORT=${PORT:-8080}
REDIS_PORT=${REDIS_PORT:-6390}
work=$(mktemp -d -t herald-cluster-demo.XXXXXX)
pids=()

watchdog=

stop_all() {
    trap - EXIT INT TERM
    [[ -n "$watchdog" ]] && kill "$watchdog" 2>/dev/null
    if (( ${#pids[@]} )); then
        echo "cluster-demo: stopping ${#pids[@]} processes"
        kill "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

if [[ ! -f war/target/herald.war || ! -f war/target/payara-micro.jar ]]; then
    echo "cluster-demo: building herald.war (once)"
    ./mvnw -q -B -Ppayara -pl war -am -DskipTests package
fi

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)

for n in 1 2; do
    java -Dherald.redis.url="redis://127.0.0.1:$REDIS_PORT" -Dherald.node.name="node-$n" \
        -Dherald.demo=true -Dherald.jwt.secret=herald-demo-secret-not-for-production \
        -Dherald.api.key=herald-demo-api-key -Dherald.channels.open=demo: -Dherald.channels.join-leave=demo: \
        -jar war/target/payara-micro.jar --nohazelcast --port $((PORT + n)) \
        --deploy war/target/herald.war >"$work/node-$n.log" 2>&1 &
    pids+=($!)
    node_pid[$n]=$!
done

mkdir -p "$work/tmp"
sed -e "s/server 127.0.0.1:8080 /server 127.0.0.1:$((PORT + 1)) /" \
    -e "s/server 127.0.0.1:8081 /server 127.0.0.1:$((PORT + 2)) /" \
    -e "s/listen 80;/listen 127.0.0.1:$PORT;/" server-config/nginx/herald.conf >"$work/herald.conf"
cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy; fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi; scgi_temp_path $work/tmp/scgi;
    include $work/herald.conf;
}
CONF
"$NGINX" -p "$work" -c "$work/nginx.conf" >"$work/nginx.log" 2>&1 &
pids+=($!)
# Should this script be killed outright (SIGKILL, which no trap sees, as an IDE's stop button may), a watchdog stops
# what it started within a second. Ctrl-C reaches the watchdog too: it leaves that to stop_all.
(trap '' INT TERM; while kill -0 $$ 2>/dev/null; do sleep 1; done; kill "${pids[@]}" 2>/dev/null; rm -rf "$work") \
    </dev/null >/dev/null 2>&1 &
watchdog=$!

echo "cluster-demo: starting two nodes (logs in $work)"
for n in 1 2; do
    for _ in $(seq 1 180); do
        if curl -fs "http://127.0.0.1:$((PORT + n))/herald/api/health" >/dev/null 2>&1; then
            break
        fi
        if ! kill -0 "${node_pid[$n]}" 2>/dev/null; then
            echo "cluster-demo: node-$n exited; its log:" >&2
            tail -40 "$work/node-$n.log" >&2
            exit 1
        fi
        sleep 1
    done
done
cat <<INFO

Herald: two nodes on Redis at 127.0.0.1:$REDIS_PORT, behind nginx.
  Open  http://localhost:$PORT/herald/  in two tabs (each tab's welcome names the node it landed on).
  node-1: http://127.0.0.1:$((PORT + 1))/herald/  pid ${node_pid[1]}
  node-2: http://127.0.0.1:$((PORT + 2))/herald/  pid ${node_pid[2]}
  Failover: kill ${node_pid[1]}   (its tabs resume on node-2 through nginx; nothing sent is lost)
  Admin:  http://localhost:$PORT/herald/admin/  with the key herald-demo-api-key
Ctrl-C stops everything.
INFO
wait
