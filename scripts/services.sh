#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer,
# starting them when they are installed but stopped. Fails loudly when they
# cannot be had: the tests never skip a backend.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -n | tail -1)
    echo "services: starting PostgreSQL $version" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "services: PostgreSQL is not reachable at 127.0.0.1:5432 and could not be started (apt-get install -y postgresql)" >&2; exit 1; }

# The tests connect as root without a password (the machines' trust
# authentication); create the role on a new cluster.
if ! psql -h 127.0.0.1 -U root -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
  if command -v su >/dev/null && id postgres >/dev/null 2>&1; then
    su postgres -c "psql -Atc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'root') THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END\\\$\\\$\"" >&2 || true
  fi
  psql -h 127.0.0.1 -U root -d postgres -Atc 'SELECT 1' >/dev/null || {
    echo "services: cannot connect to PostgreSQL as root; allow trust authentication for 127.0.0.1 or set PYAIRTABLE_TEST_POSTGRES_URL" >&2
    exit 1
  }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis" >&2
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >&2
  fi
  for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
fi
redis_up || { echo "services: Redis is not reachable at 127.0.0.1:6379 and could not be started (apt-get install -y redis-server)" >&2; exit 1; }
echo "services: PostgreSQL and Redis are up" >&2
