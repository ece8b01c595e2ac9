# The refund worker and the HTTP API (same image, another command) in production shape.
# Build: docker build -t refund-orchestrator .   (docker-compose.yml does it for you)
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the Temporal binaries (postinstall) are for local runs and tests only.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY client ./client
COPY codec ./codec
COPY ops ./ops
COPY tsconfig.json ./
USER node
CMD ["node", "--import", "tsx", "worker/main.ts"]
