# syntax=docker/dockerfile:1
# One image for the whole suite: the four services, chisoctl and chiso-db. The Kubernetes
# Deployments (deploy/k8s) pick the binary with their command, e.g.
#   command: ["/usr/local/bin/chiso-plan"]
# Build: docker build -t chiso:0.1.0 .

# ---- build: the same steps as the README (scripts/setup.sh, then `make build`) ----
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN make build JOBS="$(nproc)" \
 && mkdir -p /out \
 && cp build/release/services/plan/chiso-plan \
       build/release/services/assignment/chiso-assignment \
       build/release/services/scoring/chiso-scoring \
       build/release/services/notification/chiso-notification \
       build/release/tools/chisoctl/chisoctl \
       build/release/tools/chiso-db/chiso-db /out/ \
 && strip /out/*

# ---- runtime: only the shared libraries the binaries load ----
# The list follows `ldd` of the binaries (tests/deploy checks it:
# dockerfile_test). The framework catalog, index versions and working calendar
# are compiled into the binaries; business time is a fixed UTC+7 offset, so no
# tzdata is needed. ca-certificates: the notification service's HTTPS webhooks.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libabsl20220623 \
      libc-ares2 \
      libcurl4 \
      libgrpc++1.51 \
      libgrpc29 \
      libhiredis0.14 \
      libicu72 \
      libpq5 \
      libprometheus-cpp-core1.0 \
      libprometheus-cpp-pull1.0 \
      libprotobuf32 \
      libpugixml1v5 \
      libre2-9 \
      libsqlite3-0 \
      libssl3 \
      libyaml-cpp0.7 \
      libzip4 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric user, matched by runAsUser/runAsGroup in deploy/k8s.
RUN groupadd --system --gid 10001 chiso \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /var/lib/chiso --shell /usr/sbin/nologin chiso \
 && mkdir -p /var/lib/chiso \
 && chown 10001:10001 /var/lib/chiso

COPY --from=build /out/chiso-plan /out/chiso-assignment /out/chiso-scoring \
     /out/chiso-notification /out/chisoctl /out/chiso-db /usr/local/bin/

# The embedded SQLite files, when no CHISO_DATABASE_URL is given.
ENV CHISO_DATA_DIR=/var/lib/chiso
WORKDIR /var/lib/chiso
USER 10001:10001
# gRPC 50051-50054 (TLS), metrics 9101-9104 (plan, assignment, scoring,
# notification), and the plaintext health probe port 8081 (--probe_listen).
EXPOSE 50051 50052 50053 50054 9101 9102 9103 9104 8081
CMD ["chisoctl", "--help"]
