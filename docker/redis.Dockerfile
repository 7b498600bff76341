# Redis from Debian's package (bookworm: Redis 7.0), on the same base as the application image,
# so that the stack builds where no registry can be reached. Where one can, any redis:7 image
# does the same job (docker/compose.yaml: REDIS_IMAGE).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
USER redis
WORKDIR /data
VOLUME ["/data"]
HEALTHCHECK --interval=5s --timeout=3s --retries=20 \
  CMD ["sh", "-c", "redis-cli -p ${REDIS_PORT:-6379} ${REDIS_PASSWORD:+--no-auth-warning -a $REDIS_PASSWORD} ping | grep -q PONG"]
CMD ["redis-server", "--appendonly", "yes", "--dir", "/data"]
