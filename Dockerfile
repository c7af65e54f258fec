# One image for either database: both Prisma clients are generated at install and DATABASE_URL picks
# one at start. Runs as the unprivileged `node` user on Node 22 LTS (supported until 2027-04-30).
# SQLite (default, one instance):
#   docker build -t mpesa-checkout . && docker run -p 3000:3000 --env-file .env -v mpesa-data:/data mpesa-checkout
# PostgreSQL (several instances behind a proxy): see docs/DEPLOY.md and compose.yaml.
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
COPY extensions/checkout-ui/package.json extensions/checkout-ui/package.json
COPY extensions/admin-order-block/package.json extensions/admin-order-block/package.json
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts/db.mjs scripts/db.mjs
RUN npm ci --no-audit --no-fund --ignore-scripts && node scripts/db.mjs generate
COPY . .
RUN npx remix vite:build

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    DATABASE_URL=file:/data/mpesa-checkout.sqlite
COPY package.json package-lock.json prisma.config.ts server.mjs ./
COPY server ./server
COPY extensions/checkout-ui/package.json extensions/checkout-ui/package.json
COPY extensions/admin-order-block/package.json extensions/admin-order-block/package.json
COPY prisma ./prisma
COPY scripts ./scripts
# The app's files stay root-owned (the process cannot rewrite its own code); only /data is writable.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && node scripts/db.mjs generate \
    && npm cache clean --force && mkdir -p /data && chown node:node /data
COPY --from=build /app/build ./build
USER node
EXPOSE 3000
VOLUME /data
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Applies pending migrations (SQLite or PostgreSQL, from DATABASE_URL), then execs `node server.mjs`;
# npm forwards SIGTERM to it (graceful shutdown: running jobs finish, SHUTDOWN_TIMEOUT_MS at most).
STOPSIGNAL SIGTERM
CMD ["npm", "run", "docker-start"]
