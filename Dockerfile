# syntax=docker/dockerfile:1
# ipguard's webhook image: `docker build -t REGISTRY/ipguard:TAG .` (docs/install.md).
# Every base image is one of these two arguments, so pinning by digest (reproducible images) is one
# flag each, `--build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:...` (docs/install.md prints the
# digests), or the digest appended to the default here. None is committed: no digest could be
# verified where this file is built and tested (no access to Docker Hub or gcr.io).
ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# Build: dev dependencies (TypeScript), compile src/ to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, exactly as locked; no install scripts run.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime: Node.js and nothing else (no shell, no package manager), as uid 65532.
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# `serve` falls back to the bundled example when no cluster is reachable.
COPY examples ./examples
# Numeric, so Kubernetes can check runAsNonRoot against the image.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/nodejs/bin/node", "dist/src/cli/main.js", "serve"]
