# Shared settings for the project's scripts. Sourced, never run.
# Everything heavy (Odoo's source, the virtualenv, a private PostgreSQL) lives in a cache
# directory outside the repository so that a second run, or CI on the same machine, reuses it.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${MAIL_PLUGIN_GMAIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mail_plugin_gmail}
VENV_DIR=${VENV_DIR:-$CACHE_DIR/venv}
ODOO_BRANCH=17.0
ODOO_UPSTREAM=${ODOO_UPSTREAM:-https://github.com/odoo/odoo.git}
# Several checkouts may share one cache (a clone per branch, CI's fresh clone): each gets its own
# configuration, whose addons_path names that checkout.
CHECKOUT_TAG=$(printf '%s' "$REPO_DIR" | sha1sum | cut -c1-8)
ENV_FILE=$CACHE_DIR/env-$CHECKOUT_TAG.sh

die() { printf '\n\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

load_env() {
    [ -f "$ENV_FILE" ] || die "run scripts/setup first (no $ENV_FILE)"
    # shellcheck disable=SC1090
    . "$ENV_FILE"
}

# psql on the maintenance database, with the server and role scripts/setup chose (after load_env).
psql_admin() {
    PGPASSWORD=$DB_PASSWORD psql ${DB_HOST:+-h "$DB_HOST"} -p "$DB_PORT" -U "$DB_USER" -d postgres -Atq "$@"
}
