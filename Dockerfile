# syntax=docker/dockerfile:1
# The two images of a release (README, "The container image"), built locally:
#   docker build -t qgate .               the static binary on an empty base
#   docker build -t qgate:git --target git .   debian:bookworm-slim + git + it
# The binary comes from `make static` in the `source` stage, or, with
# --build-arg QGATE_FROM=prebuilt, from prebuilt/linux-ARCH/qgate in the build
# context (ARCH: amd64, arm64; what the release workflow does with the binaries
# it built and tested, so that it builds them once).
ARG QGATE_FROM=source

# ---- the binary, built here ---------------------------------------------------
FROM debian:bookworm AS source
COPY .ci/deps.sh /tmp/deps.sh
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      $(sh /tmp/deps.sh --static) && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ARG QGATE_COMMIT=
RUN QGATE_COMMIT="$QGATE_COMMIT" make static && \
    install -D -m 755 qgate-static /out/qgate && rm -rf build-static

# ---- or the binary the release built -----------------------------------------
FROM scratch AS prebuilt
ARG TARGETARCH
COPY --chmod=755 prebuilt/linux-${TARGETARCH}/qgate /out/qgate

FROM ${QGATE_FROM} AS binary

# ---- the CA bundle and a writable /tmp for the empty base (the same files on
# every platform: built on the builder's own) -----------------------------------
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS certs
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates && \
    rm -rf /var/lib/apt/lists/* && \
    install -D -m 644 /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt && \
    ln -s certs/ca-certificates.crt /out/etc/ssl/cert.pem && \
    install -d -m 1777 /out/tmp

# ---- ghcr.io/qgate-dev/qgate:X.Y.Z-git: for CI jobs that run scripts -----------
FROM debian:bookworm-slim AS git
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git ca-certificates && \
    rm -rf /var/lib/apt/lists/*
COPY --from=binary /out/qgate /usr/local/bin/qgate
LABEL org.opencontainers.image.source="https://github.com/qgate-dev/qgate" \
      org.opencontainers.image.description="qgate, the CI quality gate, with git"

# ---- ghcr.io/qgate-dev/qgate:X.Y.Z: the static binary alone (the default) ------
FROM scratch AS static
COPY --from=certs /out/ /
COPY --from=binary /out/qgate /usr/local/bin/qgate
LABEL org.opencontainers.image.source="https://github.com/qgate-dev/qgate" \
      org.opencontainers.image.description="qgate, the CI quality gate"
ENTRYPOINT ["/usr/local/bin/qgate"]
