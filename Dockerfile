# syntax=docker/dockerfile:1
# One image for every role: the API (RUN_PROJECTIONS=false), a projection worker (RUN_PROJECTIONS=true),
# or the whole service on its embedded database (no DATABASE_URL: PGlite in /data).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# The EventStoreDB wire double (scripts/esdb-double.ts → test/esdb-double) is a test tool, not part of the image.
RUN rm -f scripts/esdb-double.ts && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json schema.graphql ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node is PID 1 and handles SIGTERM itself: stop accepting, finish in-flight requests, close the stores.
CMD ["node", "dist/src/main.js"]
