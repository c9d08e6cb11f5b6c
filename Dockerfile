# moecl: multi-stage image. Build with the official Swift image, run on slim Debian with only the runtime
# libraries. The steps are the project's own scripts (scripts/setup.sh, scripts/swift-cpu-flags.sh), as in CI.
#
#   docker build -t moecl .
#   docker run -p 8080:8080 -e MOECL_TOKENS=admin:<a secret of 16+ characters> -v moecl-state:/var/lib/moecl moecl
#
# Portable and fast on any x86-64 host: moecl's own kernels (the CKernels target) are compiled for plain x86-64,
# AVX2+FMA and AVX-512 and chosen by CPUID when the binary starts, and OpenBLAS picks its kernels for the host CPU
# at load time (moecl sets OPENBLAS_CORETYPE for the host at start-up; docs/PERFORMANCE.md). No CPU model of the
# build machine reaches the image (MOECL_TARGET_CPU=none, the default).

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
ARG MOECL_TARGET_CPU=none
ENV MOECL_TARGET_CPU=${MOECL_TARGET_CPU}
WORKDIR /src
# scripts/setup.sh fetches the base model with pip; the Swift image has python3 but not pip.
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY Package.swift Makefile ./
COPY scripts ./scripts
# Debian build packages (OpenBLAS, OpenSSL, zlib, SQLite headers) and the base model, as `make setup` does.
RUN scripts/setup.sh
COPY Sources ./Sources
COPY Tests ./Tests
COPY experts ./experts
# The flags script prints nothing for MOECL_TARGET_CPU=none (several words otherwise): split on purpose.
# hadolint ignore=SC2046
RUN swift build -c release --static-swift-stdlib $(scripts/swift-cpu-flags.sh) --product moecl \
    && install -D .build/release/moecl /out/bin/moecl \
    && mkdir -p /out/share/moecl/models \
    && cp -r models/all-MiniLM-L6-v2 /out/share/moecl/models/ \
    && cp -r experts /out/share/moecl/

FROM ${RUNTIME_IMAGE}
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       libopenblas0-pthread libgfortran5 libssl3 zlib1g libsqlite3-0 libpq5 libstdc++6 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/moecl --shell /usr/sbin/nologin moecl \
    && mkdir -p /var/lib/moecl && chown moecl /var/lib/moecl
COPY --from=build /out/bin/moecl /usr/local/bin/moecl
COPY --from=build /out/share/moecl /opt/moecl
WORKDIR /opt/moecl
ENV MOECL_HOST=0.0.0.0 \
    MOECL_PORT=8080 \
    MOECL_STATE=/var/lib/moecl \
    MOECL_MODEL=/opt/moecl/models/all-MiniLM-L6-v2 \
    MOECL_EXPERTS=/opt/moecl/experts/default
USER 10001
VOLUME ["/var/lib/moecl"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
# A non-loopback address needs an admin token: give MOECL_TOKENS (or --tokens-file) at run time.
ENTRYPOINT ["/usr/local/bin/moecl", "serve"]
