# syntax=docker/dockerfile:1

# Build a static binary; the module and build caches survive between builds.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /berth ./cmd/berth
# The runtime image has no shell to make directories, so make them here. They
# are owned by nonroot (65532) so that named volumes mounted on them (the data
# dir, and the trust bundle shared with the registry) start out writable.
RUN mkdir -p /rootfs/data /rootfs/keys

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build --chown=65532:65532 /rootfs/ /
COPY --from=build /berth /berth
# Listen on every interface inside the container; the defaults are loopback.
ENV BERTH_ADDR=0.0.0.0:8080 \
    BERTH_REGISTRY_ADDR=0.0.0.0:5000 \
    BERTH_DATA_DIR=/data
VOLUME ["/data"]
# 8080: web, API and /token. 5000: the embedded registry (unused when
# BERTH_REGISTRY_URL names an external one).
EXPOSE 8080 5000
USER nonroot:nonroot
ENTRYPOINT ["/berth"]
CMD ["serve"]
