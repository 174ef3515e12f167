# MariaDB for the overhead study, sourced by run.sh: a server of our own, its
# datadir under $WORK/db (never the system's), listening on 127.0.0.1:$DB_PORT
# and on its own socket. Needs: WORK, DB_PORT, TABLES, TABLE_SIZE, NICE, log().

DB_DIR=$WORK/db
DB_DATA=$DB_DIR/data
DB_SOCK=$DB_DIR/mariadb.sock
DB_PIDF=$DB_DIR/mariadb.pid
DB_PID=""

# sysbench's command line, without the sub-command
SB=(sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$DB_PORT"
	--mysql-user=sbtest --mysql-password=sbtest --mysql-db=sbtest
	--tables="$TABLES" --table-size="$TABLE_SIZE")

db_admin() { mariadb-admin --no-defaults --socket="$DB_SOCK" -uroot "$@"; }

# A fresh datadir (the old one, ours, is removed), owned by the server's user.
db_init() {
	rm -rf "$DB_DIR"
	mkdir -p "$DB_DATA"
	chown -R mysql:mysql "$DB_DIR"
	if ! runuser -u mysql -- test -w "$DB_DATA"; then
		echo "user mysql cannot write $DB_DATA (a parent directory closed to others?): choose WORK=... elsewhere" >&2
		return 1
	fi
	if ! mariadb-install-db --no-defaults --user=mysql --datadir="$DB_DATA" --skip-test-db \
		--auth-root-authentication-method=socket > "$DB_DIR/install-db.log" 2>&1; then
		echo "mariadb-install-db failed; see $DB_DIR/install-db.log" >&2
		return 1
	fi
}

# db_start [SERVER OPTIONS...]: starts mariadbd, returns when it answers.
db_start() {
	if mariadb-admin --no-defaults -h127.0.0.1 -P"$DB_PORT" ping > /dev/null 2>&1; then
		echo "a server already answers on 127.0.0.1:$DB_PORT (DB_PORT=... to choose another port)" >&2
		return 1
	fi
	rm -f "$DB_PIDF"
	nice -n "$NICE" mariadbd --no-defaults --user=mysql --datadir="$DB_DATA" \
		--bind-address=127.0.0.1 --port="$DB_PORT" --socket="$DB_SOCK" --pid-file="$DB_PIDF" \
		--log-error="$DB_DIR/mariadb.err" --skip-name-resolve \
		--innodb-buffer-pool-size=512M --max-connections=100 "$@" \
		> /dev/null 2>&1 < /dev/null &
	DB_PID=$!
	local _
	for _ in $(seq 1 120); do
		if db_admin ping > /dev/null 2>&1; then
			DB_PID=$(cat "$DB_PIDF" 2>/dev/null || echo "$DB_PID")
			return 0
		fi
		kill -0 "$DB_PID" 2>/dev/null || break
		sleep 0.5
	done
	echo "mariadbd did not come up; see $DB_DIR/mariadb.err:" >&2
	tail -5 "$DB_DIR/mariadb.err" >&2
	return 1
}

# The sysbench user and tables (once per datadir).
db_prepare() {
	db_admin ping > /dev/null 2>&1 || return 1
	mariadb --no-defaults --socket="$DB_SOCK" -uroot -e "CREATE DATABASE IF NOT EXISTS sbtest;
		CREATE USER IF NOT EXISTS 'sbtest'@'127.0.0.1' IDENTIFIED BY 'sbtest';
		GRANT ALL ON sbtest.* TO 'sbtest'@'127.0.0.1';" || return 1
	"${SB[@]}" prepare > "$DB_DIR/prepare.log" 2>&1 || { tail -5 "$DB_DIR/prepare.log" >&2; return 1; }
}

# Shuts our server down (by its socket, then by its pid), if it runs.
db_stop() {
	[ -n "$DB_PID" ] || return 0
	if kill -0 "$DB_PID" 2>/dev/null; then
		db_admin shutdown > /dev/null 2>&1
		local _
		for _ in $(seq 1 60); do kill -0 "$DB_PID" 2>/dev/null || break; sleep 0.5; done
		if kill -0 "$DB_PID" 2>/dev/null; then kill -TERM "$DB_PID"; sleep 2; fi
		if kill -0 "$DB_PID" 2>/dev/null; then kill -KILL "$DB_PID"; fi
	fi
	DB_PID=""
}
