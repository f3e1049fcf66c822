# Helpers of scripts/demo.sh (sourced, not run): how commands are printed before they run,
# the hub daemon's life (start, port, stop) and the throwaway directory's clean-up.
# Expects NODE_BIN, HUB_BIN and WORK to be set by demo.sh; the demo runs inside $WORK.
# shellcheck shell=sh

# ---- presentation -------------------------------------------------------------------------

# Quotes a word the way a reader would type it in a shell.
quote_word() {
    case "$1" in
        '' | *[!A-Za-z0-9_=./:,@%+-]*)
            printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
            ;;
        *) printf '%s' "$1" ;;
    esac
}

# Like quote_word, but FIELD=VALUE keeps FIELD= outside the quotes: victim_name='Nur Aini'.
quote() {
    name=${1%%=*}
    case "$1" in
        *=*)
            case "$name" in
                '' | *[!A-Za-z0-9_-]*) ;;
                *) printf '%s=%s' "$name" "$(quote_word "${1#*=}")"; return ;;
            esac
            ;;
    esac
    quote_word "$1"
}

# Prints WORDS... quoted as one shell command line, without a prompt.
command_line() {
    sep=''
    for arg in "$@"; do
        printf '%s%s' "$sep" "$(quote "$arg")"
        sep=' '
    done
}

# Prints "$ PROGRAM ARGS..." as the reader would type it in $WORK.
show_command() {
    printf '$ %s\n' "$(command_line "$@")"
}

say() {
    printf '# %s\n' "$@"
}

step() {
    printf '\n== %s\n' "$1"
    shift
    [ $# -eq 0 ] || say "$@"
}

part() {
    printf '\n\n######## %s\n' "$1"
}

# Runs sae-node on the post directory DIR (relative to $WORK), after printing the command.
run_node() {
    dir=$1
    shift
    show_command sae-node -d "$dir" "$@"
    "$NODE_BIN" -d "$dir" "$@"
}

# Runs an admin command of sae-hub on ./hub, after printing it.
run_hub() {
    show_command sae-hub -d hub "$@"
    "$HUB_BIN" -d hub "$@"
}

# add_report DIR KIND ARGS...: records a report on post DIR; its id goes into NEW_ID.
add_report() {
    dir=$1
    shift
    show_command sae-node -d "$dir" add "$@"
    NEW_ID=$("$NODE_BIN" -d "$dir" add "$@")
    printf '%s\n' "$NEW_ID"
}

# add_with_text DIR TEXT KIND ARGS...: like add_report with the narrative on standard input
# (--set-file narrative=-), printed as the here-document a reader would type.
add_with_text() {
    dir=$1
    text=$2
    shift 2
    show_command sae-node -d "$dir" add "$@" | sed 's/$/ <<'"'"'EOF'"'"'/'
    printf '%s\nEOF\n' "$text"
    NEW_ID=$(printf '%s\n' "$text" | "$NODE_BIN" -d "$dir" add "$@")
    printf '%s\n' "$NEW_ID"
}

# value_file FILE TEXT: FILE (private to its owner) holds TEXT, as staff would write it in
# an editor: a value of a sensitive field (a name, notes) never goes on the command line,
# where ps and the shell's history show it; --set-file FIELD=FILE reads it.
value_file() {
    (umask 077 && printf '%s' "$2" >"$1")
    say "$1 holds $(quote_word "$2") (written in an editor, not on the command line)"
}

# The short form of an id that the commands accept: its first 8 characters.
short() {
    printf '%s' "${1%%-*}"
}

# The date N days before today (UTC), YYYY-MM-DD, so the reports look recent.
days_ago() {
    now=$(date -u +%s)
    date -u -d "@$((now - $1 * 86400))" +%Y-%m-%d 2>/dev/null || printf '2025-03-%02d' $((28 - $1))
}

# ---- the daemons -------------------------------------------------------------------------

# Prints what the sed script $3 finds in log $2 of the daemon $1 once it logs it; 20 s is
# far beyond what a daemon needs to bind and say so, and the wait ends at once when the
# daemon ends early. Prints nothing (and shows the log on stderr) when it never came.
wait_for_log() {
    tries=0
    found=
    while [ "$tries" -lt 200 ]; do
        found=$(sed -n "$3" "$2" | head -n 1)
        [ -z "$found" ] || break
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
        tries=$((tries + 1))
    done
    if [ -z "$found" ]; then
        echo "demo: the daemon did not start; its log:" >&2
        cat "$2" >&2
    fi
    printf '%s' "$found"
}

# Stops daemon $1 (a child of this shell) with SIGTERM; DAEMON_STATUS gets its exit status.
stop_daemon() {
    kill -TERM "$1" 2>/dev/null || true
    DAEMON_STATUS=0
    wait "$1" || DAEMON_STATUS=$?
}

APP_PID=
APP_URL=
APP_LOG=app-serve.log

# Starts `sae-node serve` on the post directory $1, on a port the system picks, its address
# line and log in $APP_LOG; reads the address from its "post app: URL" line into APP_URL.
start_app() {
    show_command sae-node -d "$1" serve --listen 127.0.0.1:0 | sed "s/\$/ >$APP_LOG 2>\&1 \&/"
    "$NODE_BIN" -d "$1" serve --listen 127.0.0.1:0 </dev/null >"$APP_LOG" 2>&1 &
    APP_PID=$!
    APP_URL=$(wait_for_log "$APP_PID" "$APP_LOG" \
        's|^post app: \(http://127\.0\.0\.1:[0-9][0-9]*\)/$|\1|p')
    [ -n "$APP_URL" ]
}

# Stops the post app; APP_STATUS gets its exit status.
stop_app() {
    APP_STATUS=
    [ -n "$APP_PID" ] || return 0
    stop_daemon "$APP_PID"
    APP_STATUS=$DAEMON_STATUS
    APP_PID=
}

HUB_PID=
HUB_PORT=
HUB_LOG=hub-serve.log

# Starts `sae-hub serve` on a port the system picks, in the background with its log in
# $HUB_LOG, and reads the real port from its "listening on" line into HUB_PORT.
start_hub() {
    show_command sae-hub -d hub serve --listen 127.0.0.1:0 | sed "s/\$/ 2>$HUB_LOG \&/"
    "$HUB_BIN" -d hub serve --listen 127.0.0.1:0 </dev/null >"$HUB_LOG" 2>&1 &
    HUB_PID=$!
    HUB_PORT=$(wait_for_log "$HUB_PID" "$HUB_LOG" \
        's|.*listening on https://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p')
    [ -n "$HUB_PORT" ] || return 1
    sed -n '1p' "$HUB_LOG"
}

# Stops the daemon with SIGTERM and waits for it; HUB_STATUS gets its exit status.
stop_hub() {
    HUB_STATUS=
    [ -n "$HUB_PID" ] || return 0
    stop_daemon "$HUB_PID"
    HUB_STATUS=$DAEMON_STATUS
    HUB_PID=
}

# ---- the end ------------------------------------------------------------------------------

CLEANED=0

# Runs once, on every way out: normal end, error (set -e), Ctrl-C, SIGTERM.
cleanup() {
    [ "$CLEANED" = 0 ] || return 0
    CLEANED=1
    if [ -n "$APP_PID" ]; then
        stop_app
        printf '# The post app stopped (exit status %s).\n' "$APP_STATUS"
    fi
    if [ -n "$HUB_PID" ]; then
        stop_hub
        printf '# The hub stopped (exit status %s).\n' "$HUB_STATUS"
    fi
    cd / || return 0
    if [ "${KEEP:-0}" = 1 ]; then
        printf '# The demo files are kept in %s\n' "$WORK"
    else
        rm -rf "$WORK"
        printf '# Removed %s (run with KEEP=1 to keep it).\n' "$WORK"
    fi
}
