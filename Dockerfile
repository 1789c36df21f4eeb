# syntax=docker/dockerfile:1
#
# The connevents image: a static, cgo-free binary (built by `make binary`,
# the very command CI's `make build` runs) on distroless, run as a non-root
# user.
#
#   docker build -t connevents .
#   docker run --rm -p 8080:8080 -p 9090:9090 -p 9464:9464 \
#     -e CONNEVENTS_API_KEYS=… -e CONNEVENTS_DATABASE=postgres://… connevents
#
# docs/deploy.md explains the configuration, the probes and a Kubernetes
# example.

ARG GO_VERSION=1.26
# What `connevents --version` prints, e.g. --build-arg VERSION=$(git describe).
ARG VERSION=dev

FROM golang:${GO_VERSION} AS build
ARG VERSION
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    make binary VERSION=${VERSION}
# The SQLite default needs a directory the non-root user can write.
RUN mkdir -p /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/connevents /usr/local/bin/connevents
COPY --from=build --chown=65532:65532 /data /data
USER 65532:65532
WORKDIR /data
# Listen on every interface of the container. Off loopback the service
# refuses to start without CONNEVENTS_API_KEYS (or --insecure-no-auth).
ENV CONNEVENTS_GRPC_ADDR=:9090 \
    CONNEVENTS_HTTP_ADDR=:8080 \
    CONNEVENTS_METRICS_ADDR=:9464 \
    CONNEVENTS_DATABASE=sqlite:/data/connevents.db
EXPOSE 8080 9090 9464
VOLUME /data
ENTRYPOINT ["/usr/local/bin/connevents"]
CMD ["serve"]
