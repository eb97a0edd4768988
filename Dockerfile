# Prikbord server image. The compose file runs it against an external Valkey
# (PRIKBORD_REDIS_URL); without one it would start its embedded Valkey in /data.

# Debian trixie: its nodejs (20.19) is new enough for Vite.
FROM python:3.11-slim-trixie AS web
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/client/web
COPY client/web/package.json client/web/package-lock.json* ./
RUN if [ -f package-lock.json ]; then npm ci; else npm install; fi
COPY client/web/ ./
# The browser app may import the shared protocol vectors.
COPY protocol/ /src/protocol/
RUN npm run build

FROM python:3.11-slim-trixie
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY protocol/ protocol/
COPY server/ server/
COPY client/ client/
COPY prikbord/ prikbord/
COPY bench/ bench/
RUN pip install . && rm -rf /src
# server/routes/pages.py serves client/web/dist next to the installed
# packages (site-packages/client/web/dist).
COPY --from=web /src/client/web/dist /tmp/dist
RUN site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
    && mkdir -p "$site/client/web" && mv /tmp/dist "$site/client/web/dist"

RUN useradd --system --create-home --home-dir /home/prikbord prikbord \
    && mkdir -p /data/files && chown -R prikbord /data
USER prikbord
WORKDIR /data
EXPOSE 8000
ENV PRIKBORD_DATA=/data
# Shell form so $PRIKBORD_REDIS_URL is expanded; exec so prikbord replaces
# the shell and gets `docker stop`'s SIGTERM (graceful shutdown) itself.
CMD exec prikbord serve --host 0.0.0.0 --port 8000 --data /data --redis-url "$PRIKBORD_REDIS_URL"
