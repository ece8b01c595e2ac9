# The refund worker, the HTTP API and the codec server (one image; compose picks the command).
# Build: docker build -t refund-orchestrator .   (docker-compose.yml does it for you)
#
# Stage 1 compiles with the dev dependencies (`npm run build`: tsc into dist/ and the prebuilt
# workflow bundles in dist/workflow-bundle/). Stage 2 is what runs: production dependencies
# only and dist/, plain `node`, no tsx, no TypeScript, no webpack run at start.
# test/integration/production-install.test.ts installs exactly stage 2 on the test machine
# (reading this file) and runs a refund of each provider through it.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall step provides the Temporal binaries for local runs and tests only.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER node
# The worker (its heap flags are WORKER_NODE_FLAGS of the worker/heap module); the API is `node dist/client/api/main.js`, the codec server `node dist/codec/main.js`,
# the CLI `node bin/refunds.mjs`.
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=192", "dist/worker/main.js"]
