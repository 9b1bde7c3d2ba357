# The mentorgraph API image: `mentorgraph serve` on Python 3.11, CPU-only PyTorch.
# Built by docker-compose.yml (service `api`); configure it with MENTORGRAPH_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MENTORGRAPH_DATA_DIR=/var/lib/mentorgraph

# torch first, as the CPU build: installing the project first would pull the CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY api ./api
COPY taxonomy ./taxonomy
COPY loaders ./loaders
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/mentorgraph --create-home mentorgraph

USER mentorgraph
VOLUME ["/var/lib/mentorgraph"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/openapi.json', timeout=4)"]
CMD ["mentorgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
