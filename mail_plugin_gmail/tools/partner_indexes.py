"""Indexes for the contact search and the contact card, built without locking large tables.

The exact lookups index their own columns through the fields (``email_normalized`` and the
company domain, see models/res_partner.py). The search's ``ilike`` on name and email needs
trigram (GIN) indexes on columns this module does not own, and the card's lead and task
sections need indexes CRM and Project do not create (a task's contact, a lead that has only an
address). A build over a million rows takes a minute or more, so on a large table it runs as
``CREATE INDEX CONCURRENTLY`` after the install/update transaction commits: the table stays
readable and writable meanwhile. Small tables (and tests, whose transaction never commits) get
a plain ``CREATE INDEX`` in the transaction. The apps' indexes are checked whenever modules
are installed or updated (CRM or Project may come after this module).
"""

import logging
from functools import partial

import psycopg2
from psycopg2 import sql as pgsql

from odoo.modules.db import FunctionStatus, has_trigram
from odoo.sql_db import connection_info_for
from odoo.tools import sql

_logger = logging.getLogger(__name__)

# Below this many rows a plain CREATE INDEX takes well under a few seconds.
CONCURRENT_THRESHOLD = 50_000


def _trigram_expression(env, column):
    """The indexed expression that matches what the ORM emits for ``column ilike ...``."""
    expression = f'("{column}"::text)'
    field = env["res.partner"]._fields.get(column)
    if field is not None and getattr(field, "unaccent", False) and env.registry.has_unaccent:
        if env.registry.has_unaccent != FunctionStatus.INDEXABLE:
            return None  # the ORM's unaccent() cannot be indexed: a trigram index would not be used
        expression = f"unaccent({expression})"
    return f"USING gin ({expression} gin_trgm_ops)"


# The apps' records on a contact card (mail.plugin.records._partner_section_sql): a task by its
# contact; a contact's leads with what the card's query and the usual record rules read, so
# that thousands of them are counted from the index alone; a lead without contact by its
# address.
APP_INDEXES = {
    "project_task_mail_plugin_partner_idx": ("project_task", "(partner_id) WHERE partner_id IS NOT NULL"),
    "crm_lead_mail_plugin_partner_idx": (
        "crm_lead",
        "(partner_id, create_date, id) INCLUDE (active, company_id) WHERE partner_id IS NOT NULL",
    ),
    "crm_lead_mail_plugin_email_idx": ("crm_lead", "(email_normalized) WHERE partner_id IS NULL"),
}


def partner_indexes(env):
    """``{index name: definition after "ON res_partner"}`` of the indexes this module wants."""
    indexes = {}
    if env.registry.has_trigram:
        # What the search filters with ``ilike`` (``ref`` is matched with "=": btree exists).
        for column in ("complete_name", "email"):
            definition = _trigram_expression(env, column)
            if definition:
                indexes[f"res_partner_mail_plugin_{column}_trgm"] = definition
    return indexes


def wanted_indexes(env):
    """``{index name: (table, definition after "ON <table>")}``: the contacts' indexes and those
    of the installed apps."""
    wanted = {name: ("res_partner", definition) for name, definition in partner_indexes(env).items()}
    for name, (table, definition) in APP_INDEXES.items():
        if sql.table_exists(env.cr, table):
            wanted[name] = (table, definition)
    return wanted


def _invalid_indexes(cr, names):
    """Indexes left INVALID by an interrupted concurrent build (IF NOT EXISTS would keep them)."""
    cr.execute(
        """
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname IN %s AND NOT i.indisvalid
        """,
        [tuple(names)],
    )
    return [row[0] for row in cr.fetchall()]


def _missing_indexes(cr, wanted):
    if not wanted:
        return {}
    cr.execute("SELECT indexname FROM pg_indexes WHERE indexname IN %s", [tuple(wanted)])
    existing = {row[0] for row in cr.fetchall()} - set(_invalid_indexes(cr, wanted))
    return {name: definition for name, definition in wanted.items() if name not in existing}


def _table_rows(cr, table):
    cr.execute("SELECT reltuples FROM pg_class WHERE relname = %s AND relkind = 'r'", [table])
    row = cr.fetchone()
    return int(row[0]) if row and row[0] > 0 else 0


def ensure_trigram_extension(cr):
    """pg_trgm is a trusted extension: the database owner may create it."""
    if has_trigram(cr):
        return True
    try:
        with cr.savepoint(flush=False):
            cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return True
    except psycopg2.Error as exc:
        _logger.warning("mail_plugin_gmail: pg_trgm unavailable (%s); contact search stays unindexed", exc)
        return False


def ensure_partner_indexes(env, concurrently=None):
    """Create the missing indexes (see wanted_indexes); returns their names.

    ``concurrently`` None decides by table size; True defers the build to a concurrent one after
    the current transaction commits (nothing happens if it rolls back: the next update retries).
    """
    cr = env.cr
    if not env.registry.has_trigram and ensure_trigram_extension(cr):
        env.registry.has_trigram = True
    missing = _missing_indexes(cr, wanted_indexes(env))
    if not missing:
        return []
    deferred, now = {}, {}
    for name, (table, definition) in missing.items():
        large = _table_rows(cr, table) >= CONCURRENT_THRESHOLD if concurrently is None else concurrently
        (deferred if large else now)[name] = (table, definition)
    if deferred:
        _logger.info("mail_plugin_gmail: building %s concurrently after commit", ", ".join(deferred))
        cr.postcommit.add(partial(_build_concurrently, cr.dbname, deferred))
    for name in _invalid_indexes(cr, list(now)) if now else []:
        cr.execute(pgsql.SQL("DROP INDEX IF EXISTS {}").format(pgsql.Identifier(name)))
    for name, (table, definition) in now.items():
        cr.execute(_create_index_sql(name, table, definition))
    return list(missing)


def _create_index_sql(name, table, definition, concurrently=False):
    # ``table`` and ``definition`` come from wanted_indexes() (constants of this module), never
    # from input.
    return pgsql.SQL("CREATE INDEX {} IF NOT EXISTS {} ON {} {}").format(
        pgsql.SQL("CONCURRENTLY" if concurrently else ""),
        pgsql.Identifier(name),
        pgsql.Identifier(table),
        pgsql.SQL(definition),
    )


def _build_concurrently(dbname, indexes):
    """Runs after commit, on its own autocommit connection (CONCURRENTLY refuses a transaction).

    Not a pooled Odoo cursor: the pool would hand the autocommit connection to someone else.
    """
    _name, info = connection_info_for(dbname)
    cnx = psycopg2.connect(**info)
    try:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute("SET lock_timeout = '10s'")
            for name in _invalid_indexes(cr, list(indexes)):
                cr.execute(pgsql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(pgsql.Identifier(name)))
            for name, (table, definition) in indexes.items():
                try:
                    cr.execute(_create_index_sql(name, table, definition, concurrently=True))
                    _logger.info("mail_plugin_gmail: index %s built", name)
                except psycopg2.Error as exc:
                    # Left INVALID: dropped and retried by the next module update.
                    _logger.warning("mail_plugin_gmail: could not build index %s: %s", name, exc)
    finally:
        cnx.close()
