#!/bin/bash
# Runs once, when the PostgreSQL data directory is first initialised
# (/docker-entrypoint-initdb.d of the postgres image): one role and one database
# per chiso service, each service owning its database. Passwords come from the
# Secret chiso-postgres (CHISO_<SERVICE>_DB_PASSWORD). Collation C: lists are
# paged by text keys compared byte by byte, and a C index survives a glibc
# upgrade of the image (docs/OPERATIONS.md, Databases).
set -euo pipefail
for svc in plan assignment scoring notification; do
  var="CHISO_${svc^^}_DB_PASSWORD"
  password="${!var:?$var is not set}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="chiso_$svc" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'
  TEMPLATE template0;
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
