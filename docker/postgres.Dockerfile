# PostgreSQL from Debian's package (bookworm: PostgreSQL 15), on the same base as the application
# image, so that the stack builds where no registry can be reached. The entry point makes the
# cluster on first start (user and database from POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB,
# as the official image does) and keeps it in /var/lib/postgresql/data (a volume).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /run/postgresql
COPY docker/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
VOLUME ["/var/lib/postgresql/data"]
HEALTHCHECK --interval=5s --timeout=5s --retries=20 \
  CMD ["sh", "-c", "pg_isready -q -h 127.0.0.1 -p ${POSTGRES_PORT:-5432} -U ${POSTGRES_USER:-postgres}"]
ENTRYPOINT ["postgres-entrypoint.sh"]
