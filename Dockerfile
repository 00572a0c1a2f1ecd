# supportbot: slim Python base, non-root user, `supportbot serve` as the entry point.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    KNOWLEDGE_DIR=/app/knowledge \
    DATABASE_URL=sqlite+aiosqlite:////data/supportbot.db \
    MODEL_CACHE_DIR=/data/model-cache \
    HOST=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md LICENSE NOTICE ./
COPY licenses ./licenses
COPY bot ./bot
RUN pip install . && useradd --create-home --uid 10001 supportbot && mkdir /data && chown supportbot /data
COPY knowledge ./knowledge

USER supportbot
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["supportbot"]
CMD ["serve"]
