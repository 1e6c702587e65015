"""Bulk seeding in plain SQL (no ORM): N contacts, leads and tasks in seconds, not hours.

Shape of the data (deterministic, so every database seeded with the same N is identical):
- 10 % companies, each with its own domain (``info@<domain>``, website);
- 63 % people working for one of those companies (``first.last<n>@<company domain>``,
  ``parent_id`` and ``commercial_partner_id`` set, complete name "Company, Person");
- 27 % people on public mail providers (gmail.com, outlook.com, ...), without company;
- a long tail: the first company has ``min(10_000, people / 10)`` people.
``email_normalized`` is filled as Odoo would (lower-cased address).

With CRM and Project (``records_sql``), as many leads and tasks as contacts:
- every fifth person has about five opportunities and five tasks (the ordinary known sender);
- one lead in seven has no contact, only the address of such a person (a web-form lead);
- three "heavy" contacts have ``min(10_000, leads / 100)`` opportunities each;
- tasks spread over the projects that exist (created by the ORM beforehand).
"""

FIRST_NAMES = """
Aaron Abigail Adam Adele Adrian Agnes Aidan Alan Albert Alice Amelia Ana Andrea Angela Anna Anton
Arthur Astrid Audrey Beatrice Benjamin Bernard Bianca Boris Brenda Bruno Camille Carla Carlos Caroline
Cecile Charles Charlotte Chloe Christian Claire Clara Colin Daniel David Denise Diana Dmitri Dominique
Edgar Edith Eduardo Elena Elias Elisa Emil Emma Eric Esther Eva Fabian Felix Fiona Florence Francesco
Frank Frida Gabriel Georg Gerald Gisele Grace Greta Guillaume Hannah Harald Hector Helena Henri Hugo
Ida Igor Ines Ingrid Irene Isaac Ivan Jacob Jana Jasper Jean Jonas Jorge Julia Julian Karin Karl
Katarina Kevin Klara Lars Laura Leo Leonie Lena Lucas Lucia Luis Magnus Maja Marc Marta Martin Mateo
Max Maya Michel Mila Nadia Nathan Nico Nina Noah Nora Olga Oliver Olivia Omar Oscar Pablo Paula Pedro
Petra Philippe Pia Quentin Rafael Ramona Raphael Rita Robert Rosa Ruben Ruth Samuel Sara Sebastian
Simon Sofia Sonia Stefan Susanne Tariq Theo Thomas Tina Tobias Ursula Valentin Vera Victor Viktor
Wanda Werner Xavier Yara Yves Zoe Zora
""".split()

LAST_NAMES = """
Abbott Adler Alvarez Andersen Arnold Bailey Baker Barros Bauer Becker Bennett Berger Bianchi Blanc
Bonnet Brandt Brooks Brown Bruno Campbell Carter Castro Chevalier Clarke Colombo Conti Cooper Costa
Cruz Dahl Davies Dubois Dupont Durand Eriksson Evans Faure Fischer Fontaine Ford Fournier Fox Franke
Garcia Garnier Gauthier Gomez Graham Gray Greco Gruber Hahn Hansen Harper Hartmann Hayes Heinz Hill
Hoffmann Holm Horvat Hughes Ivanov Jansen Jensen Johansson Jones Jung Kaiser Keller Kelly Klein Koch
Kovac Kowalski Kraus Kruger Lambert Lang Larsen Laurent Lefebvre Lehmann Leroy Lindberg Lopez Lorenz
Lucas Maier Marino Marsh Martens Martin Mayer Mercier Meyer Michel Moreau Morel Muller Murphy Nagy
Nielsen Novak Olsen Ortiz Otto Parker Pereira Perez Peters Petit Pohl Popescu Price Quinn Ramos Reed
Ricci Richter Rivera Roberts Romano Rossi Roux Russo Sanchez Santos Sauer Schmid Schneider Schulz
Schwarz Silva Simon Sorensen Stein Stewart Sutton Svensson Thomas Torres Turner Vargas Vogel Wagner
Walker Weber Weiss Werner Wilson Winter Wolf Wood Young Zimmermann
""".split()

COMPANY_WORDS = """
Acme Alpine Amber Apex Arcadia Atlas Aurora Azure Beacon Birch Blue Bright Cedar Cobalt Comet Coral
Crest Crystal Delta Eagle Echo Ember Evergreen Falcon Fern Flint Forest Fusion Galaxy Garnet Global
Golden Granite Harbor Helix Horizon Indigo Iron Ivory Jade Juniper Keystone Lake Lantern Laurel Lunar
Maple Meridian Metro Nimbus Noble North Nova Oak Ocean Onyx Orbit Pacific Peak Pine Pioneer Polar
Prime Quantum Quartz Radiant Raven Red Ridge River Rocket Sage Silver Solar Spring Stone Summit Sun
Terra Tidal Titan True Union Unity Valley Vertex Vista Wave West Willow Zenith
""".split()

COMPANY_NOUNS = """
Analytics Bakery Builders Capital Chemicals Consulting Dynamics Electric Energy Engineering Farms
Foods Freight Games Health Industries Insurance Labs Logistics Machines Media Medical Motors Networks
Optics Partners Pharma Print Robotics Security Software Solutions Studio Systems Textiles Tools
Trading Travel Ventures Works
""".split()

SUFFIXES = ["Ltd", "Inc", "GmbH", "SA", "BV", "LLC", "SARL", "AG", "Oy", "AB"]
TLDS = ["com", "de", "fr", "be", "nl", "io", "co.uk", "ch", "es", "it"]
PUBLIC_PROVIDERS = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "hotmail.com",
    "gmx.de",
    "icloud.com",
    "orange.fr",
    "proton.me",
]


def _array(words):
    return "ARRAY[" + ", ".join("'%s'" % w.replace("'", "''") for w in words) + "]::varchar[]"


def shape(n_contacts):
    """Counts the SQL below derives from ``n_contacts``."""
    n_companies = max(1, n_contacts // 10)
    n_people = n_contacts - n_companies
    return {
        "companies": n_companies,
        "people": n_people,
        "big_company_people": min(10_000, n_people // 10),
        "heavy_leads": min(10_000, n_contacts // 100),
    }


def seed_sql(n_contacts):
    """The SQL that adds ``n_contacts`` partners (companies + people) to res_partner.

    Leaves the temporary table ``seed_base`` for ``records_sql`` (same session).
    """
    counts = shape(n_contacts)
    n_companies, n_people = counts["companies"], counts["people"]
    big = counts["big_company_people"]
    return f"""
CREATE TEMP TABLE seed_base AS SELECT COALESCE(MAX(id), 0) AS base FROM res_partner;

-- companies: "<Word> <Noun> <Suffix>", domain "<word><noun><i>.<tld>"
CREATE TEMP TABLE seed_company AS
SELECT i,
       (SELECT base FROM seed_base) + i AS id,
       w || ' ' || nn || ' ' || sf AS name,
       lower(w || nn) || i || '.' || tld AS domain
  FROM (
    SELECT i,
           ({_array(COMPANY_WORDS)})[1 + (i * 7) % {len(COMPANY_WORDS)}] AS w,
           ({_array(COMPANY_NOUNS)})[1 + (i * 13 / {len(COMPANY_WORDS)}) % {len(COMPANY_NOUNS)}] AS nn,
           ({_array(SUFFIXES)})[1 + (i / 3) % {len(SUFFIXES)}] AS sf,
           ({_array(TLDS)})[1 + (i / 7) % {len(TLDS)}] AS tld
      FROM generate_series(1, {n_companies}) AS i
  ) AS t;

INSERT INTO res_partner (
    id, name, complete_name, is_company, type, active, email, email_normalized, website,
    commercial_partner_id, commercial_company_name, lang, tz, partner_share, employee, color,
    message_bounce, create_uid, write_uid, create_date, write_date)
SELECT id, name, name, TRUE, 'contact', TRUE, 'info@' || domain, 'info@' || domain,
       'https://www.' || domain, id, name, 'en_US', 'Europe/Brussels', TRUE, FALSE, 0,
       0, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
  FROM seed_company;

-- people: 70 % at a company, 30 % on a public provider
INSERT INTO res_partner (
    id, name, complete_name, is_company, type, active, email, email_normalized, parent_id,
    commercial_partner_id, commercial_company_name, function, lang, tz, partner_share, employee,
    color, message_bounce, create_uid, write_uid, create_date, write_date)
SELECT p.id, p.first || ' ' || p.last,
       CASE WHEN c.id IS NULL THEN p.first || ' ' || p.last
            ELSE c.name || ', ' || p.first || ' ' || p.last END,
       FALSE, 'contact', TRUE,
       p.local || '@' || COALESCE(c.domain, p.provider),
       p.local || '@' || COALESCE(c.domain, p.provider),
       c.id, COALESCE(c.id, p.id), c.name,
       CASE WHEN c.id IS NOT NULL AND p.j % 4 = 0 THEN 'Sales Manager' END,
       'en_US', 'Europe/Brussels', TRUE, FALSE, 0, 0, 1, 1,
       now() at time zone 'UTC', now() at time zone 'UTC'
  FROM (
    SELECT j,
           (SELECT base FROM seed_base) + {n_companies} + j AS id,
           f AS first, l AS last,
           lower(f) || '.' || lower(l) || j AS local,
           CASE WHEN j <= {big} THEN 1
                WHEN j % 10 < 7 THEN 1 + (j::bigint * 7919) % {n_companies} END AS company_i,
           ({_array(PUBLIC_PROVIDERS)})[1 + (j / 10) % {len(PUBLIC_PROVIDERS)}] AS provider
      FROM (
        SELECT j,
               ({_array(FIRST_NAMES)})[1 + (j * 31) % {len(FIRST_NAMES)}] AS f,
               ({_array(LAST_NAMES)})[1 + (j * 17 / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}] AS l
          FROM generate_series(1, {n_people}) AS j
      ) AS names
  ) AS p
  LEFT JOIN seed_company c ON c.i = p.company_i;

SELECT setval('res_partner_id_seq', (SELECT MAX(id) FROM res_partner));
INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
SELECT 'bench.big_company_id', (SELECT id FROM seed_company WHERE i = 1)::text, 1, 1, now(), now();
DROP TABLE seed_company;
"""


def records_sql(n_contacts, n_leads, n_tasks):
    """The SQL that adds leads and tasks (after ``seed_sql`` of the same ``n_contacts``)."""
    counts = shape(n_contacts)
    n_companies, n_people = counts["companies"], counts["people"]
    big, heavy = counts["big_company_people"], counts["heavy_leads"]
    # People with records: j = 5, 10, 15, ... (k = j / 5 in 1..n_active)
    n_active = n_people // 5
    n_ordinary = max(0, n_leads - 3 * heavy)
    return f"""
CREATE TEMP TABLE seed_stage AS SELECT array_agg(id ORDER BY sequence, id) AS ids FROM crm_stage;
CREATE TEMP TABLE seed_project AS SELECT array_agg(id ORDER BY id) AS ids FROM project_project;

-- three heavy contacts right after the big company's people
INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
SELECT 'bench.heavy_ids',
       (SELECT base FROM seed_base) + {n_companies} + {big} + 1 || ','
       || (SELECT base FROM seed_base) + {n_companies} + {big} + 2 || ','
       || (SELECT base FROM seed_base) + {n_companies} + {big} + 3, 1, 1, now(), now();

CREATE TEMP TABLE seed_lead_src AS
SELECT i,
       (SELECT base FROM seed_base) + {n_companies} + CASE
           WHEN i <= {3 * heavy} THEN {big} + 1 + i % 3
           ELSE 5 * (1 + (i::bigint * 7919) % {max(1, n_active)})
       END AS person_id,
       i > {3 * heavy} AND i % 7 = 0 AS without_contact
  FROM generate_series(1, {3 * heavy + n_ordinary}) AS i;

INSERT INTO crm_lead (
    name, type, active, stage_id, team_id, user_id, company_id, partner_id, email_from,
    email_normalized, contact_name, partner_name, probability, expected_revenue, prorated_revenue,
    priority, color, date_open, date_last_stage_update, create_uid, write_uid, create_date, write_date)
SELECT ({_array(COMPANY_NOUNS)})[1 + s.i % {len(COMPANY_NOUNS)}] || ' offer #' || s.i,
       'opportunity', TRUE, (SELECT ids FROM seed_stage)[1 + s.i % 3], 1, 2, 1,
       CASE WHEN s.without_contact THEN NULL ELSE p.id END,
       p.email, p.email_normalized, p.name, p.commercial_company_name,
       (s.i * 7) % 100, (s.i * 131) % 100000, ((s.i * 131) % 100000) * ((s.i * 7) % 100) / 100.0,
       '0', 0, ts, ts, 1, 1, ts, ts
  FROM (SELECT *, now() at time zone 'UTC' - ((i * 37) % 500000) * interval '1 minute' AS ts
          FROM seed_lead_src) AS s
  JOIN res_partner p ON p.id = s.person_id;

INSERT INTO project_task (
    name, state, active, display_in_project, project_id, partner_id, company_id, priority,
    sequence, color, allocated_hours, date_last_stage_update, create_uid, write_uid,
    create_date, write_date)
SELECT ({_array(COMPANY_WORDS)})[1 + i % {len(COMPANY_WORDS)}] || ' task #' || i,
       '01_in_progress', TRUE, TRUE,
       (SELECT ids FROM seed_project)[1 + i % cardinality((SELECT ids FROM seed_project))],
       (SELECT base FROM seed_base) + {n_companies} + 5 * (1 + (i::bigint * 104729) % {max(1, n_active)}),
       1, '0', 10, 0, 0, ts, 1, 1, ts, ts
  FROM (SELECT i, now() at time zone 'UTC' - ((i * 41) % 500000) * interval '1 minute' AS ts
          FROM generate_series(1, {n_tasks}) AS i) AS t;
"""


def cleanup_sql():
    return "DROP TABLE IF EXISTS seed_base;"
