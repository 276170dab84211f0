# Starts a throwaway PostgreSQL server for the recipe/postgres tests.
#
# Source it from bash (it sets variables and an EXIT trap in the calling
# shell):
#
#	source .ci/postgres.sh
#	go test ./recipe/postgres/...
#
# It uses Debian's postgresql package (installed with apt-get when absent
# and when running as root), runs initdb into a temporary directory as the
# postgres user (the server refuses to run as root), listens on 127.0.0.1 on
# a free port with trust authentication, and stops the server and removes
# the directory when the shell exits. It exports:
#
#	RECIPEKIT_TEST_POSTGRES_URL  the server's URL; tests create their own databases in it
#
# The server is tuned for tests (no fsync): never keep data in it.

recipekit_pg_bin() {
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
	fi
}

recipekit_pg_start() {
	local bin
	bin="$(recipekit_pg_bin)"
	if [ -z "$bin" ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "postgres.sh: PostgreSQL is not installed; run: sudo apt-get install postgresql" >&2
			return 1
		fi
		echo "--- installing postgresql"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq postgresql >/dev/null
		bin="$(recipekit_pg_bin)"
		if [ -z "$bin" ]; then
			echo "postgres.sh: apt-get installed postgresql but no initdb under /usr/lib/postgresql/*/bin" >&2
			return 1
		fi
	fi

	# As root, run the server as the postgres user the package creates.
	local as=()
	if [ "$(id -u)" = 0 ]; then
		as=(runuser -u postgres --)
	fi

	RECIPEKIT_PG_DIR="$(mktemp -d /tmp/recipekit-pg.XXXXXX)"
	chmod 755 "$RECIPEKIT_PG_DIR"
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$RECIPEKIT_PG_DIR"
	fi
	RECIPEKIT_PG_BIN="$bin"
	trap recipekit_pg_stop EXIT

	"${as[@]}" "$bin/initdb" -D "$RECIPEKIT_PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$RECIPEKIT_PG_DIR/initdb.log" 2>&1 || {
		cat "$RECIPEKIT_PG_DIR/initdb.log" >&2
		return 1
	}

	# Pick a free port: try a few random ones; pg_ctl -w fails when the port is taken.
	local port try
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 30000))
		if "${as[@]}" "$bin/pg_ctl" -D "$RECIPEKIT_PG_DIR/data" -l "$RECIPEKIT_PG_DIR/server.log" -w -t 60 start \
			-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$RECIPEKIT_PG_DIR -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null 2>&1; then
			export RECIPEKIT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
			echo "--- postgresql $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $RECIPEKIT_PG_DIR)"
			return 0
		fi
	done
	echo "postgres.sh: the server did not start; its log:" >&2
	cat "$RECIPEKIT_PG_DIR/server.log" >&2 || true
	return 1
}

recipekit_pg_stop() {
	if [ -n "${RECIPEKIT_PG_DIR:-}" ] && [ -d "$RECIPEKIT_PG_DIR/data" ]; then
		local as=()
		if [ "$(id -u)" = 0 ]; then
			as=(runuser -u postgres --)
		fi
		"${as[@]}" "$RECIPEKIT_PG_BIN/pg_ctl" -D "$RECIPEKIT_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$RECIPEKIT_PG_DIR"
	fi
	unset RECIPEKIT_PG_DIR RECIPEKIT_TEST_POSTGRES_URL
}

recipekit_pg_start
