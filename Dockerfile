# connreq as a container image: one static binary on an empty base, run as a non-root user.
# Containerfile is a symlink to this file: podman/buildah and Docker read the same lines.
# docs/container.md explains them; .ci/container builds the image and checks it.
#
#   docker build -t connreq .                       # builds the binary in a golang image
#   docker run --rm -p 4010:4010 connreq            # the mock on http://localhost:4010
#
# BINARY chooses where /connreq comes from: "source" (default) compiles it in the Go
# image; "prebuilt" copies ./connreq and ./ca-certificates.crt from the build context, so
# an offline builder (CI: podman build with a binary built beforehand) needs no image at all.
ARG BINARY=source
ARG GO_IMAGE=docker.io/library/golang:1.26

FROM ${GO_IMAGE} AS source
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
ARG REVISION=""
# Static (no cgo), reproducible paths, time zones embedded (the base has no
# /usr/share/zoneinfo, and --tz needs one), version stamped for connreq version.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags timetzdata \
      -ldflags "-s -w -X github.com/connreq/connreq.version=${VERSION} -X github.com/connreq/connreq.revision=${REVISION}" \
      -o /out/connreq ./cmd/connreq \
 && cp /etc/ssl/certs/ca-certificates.crt /out/ca-certificates.crt

FROM scratch AS prebuilt
COPY connreq ca-certificates.crt /out/

FROM ${BINARY} AS binary
# A stage needs one instruction of its own: buildah (podman build) fails on an empty one.
LABEL org.connreq.stage=binary

FROM scratch
ARG VERSION=devel
ARG REVISION=""
ARG LICENSE=NOASSERTION
LABEL org.opencontainers.image.title="connreq" \
      org.opencontainers.image.description="Mock and contract tests for the SelfCommunity connection-requests API" \
      org.opencontainers.image.source="https://github.com/connreq/connreq" \
      org.opencontainers.image.documentation="https://github.com/connreq/connreq/blob/main/docs/container.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="${LICENSE}"
# CA roots let connreq contract and record reach an https:// deployment.
COPY --from=binary /out/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=binary /out/connreq /connreq
# 65532 is the conventional "nonroot" id (distroless); no passwd file is needed.
USER 65532:65532
# The binary listens on 127.0.0.1 by default; inside the container it must listen on all
# of the container's interfaces for -p 4010:4010 to reach it. Every subcommand reads
# CONNREQ_<FLAG>; only serve has --addr.
ENV CONNREQ_ADDR=0.0.0.0:4010
EXPOSE 4010
# No shell in the image: the check is connreq itself (exit 0 healthy, 1 not).
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/connreq", "health", "--url", "http://127.0.0.1:4010/__connreq/health", "--timeout", "3s"]
ENTRYPOINT ["/connreq"]
CMD ["serve"]
