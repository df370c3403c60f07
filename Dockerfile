# One image for the webserver, the daemon and the user-code server (docker-compose.yml).
FROM python:3.11-slim
WORKDIR /opt/personax
ENV PYTHONUNBUFFERED=1 DAGSTER_HOME=/opt/dagster_home \
    PERSONAX_DATA_DIR=/var/personax/data PERSONAX_LANDING_DIR=/var/personax/landing
COPY pyproject.toml requirements.lock README.md ./
COPY personax_platform ./personax_platform
COPY assets ./assets
COPY resources ./resources
COPY expectations ./expectations
COPY config ./config
COPY definitions.py personax_demo.py workspace.yaml ./
COPY sample_data ./sample_data
RUN pip install --no-cache-dir -c requirements.lock -e '.[deploy]'
COPY deploy/dagster.yaml deploy/workspace.yaml /opt/dagster_home/
