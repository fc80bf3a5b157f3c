# mcp-s3 container image.
#
#   docker build -t mcp-s3 .
#   docker run -i --rm --read-only --memory=256m --cpus=0.5 --security-opt=no-new-privileges \
#     --cap-drop=ALL -e AWS_REGION=us-east-1 mcp-s3
#
# Stage 1 compiles the single binary with the same hardened `scripts/build.ts` the release uses.
# It runs on the build machine's platform and cross-compiles for the target platform
# (bun build --compile --target), so a multi-arch build needs no emulation.
# Stage 2 is distroless "cc": glibc, libstdc++/libgcc (a bun-compiled binary links them
# dynamically), CA certificates and a passwd entry for the nonroot user, and no shell or package
# manager. The only file added to it is the binary.
#
# Base images are pinned by digest; Dependabot (.github/dependabot.yml, docker) proposes updates.

FROM --platform=$BUILDPLATFORM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS build
ARG TARGETARCH
# Container builds have no .git: the release workflow passes the short commit in.
ARG MCP_S3_COMMIT=unknown
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts/build.ts ./scripts/build.ts
RUN case "$TARGETARCH" in \
      amd64) target=bun-linux-x64 ;; \
      arm64) target=bun-linux-arm64 ;; \
      *) echo "unsupported TARGETARCH: $TARGETARCH" >&2; exit 1 ;; \
    esac \
 && MCP_S3_COMMIT="$MCP_S3_COMMIT" node_modules/.bin/bun scripts/build.ts \
      --target "$target" --outfile /out/mcp-s3 --quiet \
 && chmod 0555 /out/mcp-s3

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
LABEL org.opencontainers.image.title="mcp-s3" \
      org.opencontainers.image.description="Secure-by-default MCP server and command line for Amazon S3" \
      org.opencontainers.image.source="https://github.com/txn2/mcp-s3" \
      org.opencontainers.image.licenses="Apache-2.0" \
      io.modelcontextprotocol.server.name="io.github.txn2/mcp-s3"
COPY --from=build /out/mcp-s3 /usr/local/bin/mcp-s3
# 65532 is distroless's "nonroot" user; numeric so that Kubernetes runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/mcp-s3"]
