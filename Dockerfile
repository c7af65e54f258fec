# One container: the app, its job worker and (by default) an SQLite database on a volume.
# docker build -t mpesa-checkout . && docker run -p 3000:3000 --env-file .env -v mpesa-data:/data mpesa-checkout
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY extensions/checkout-ui/package.json extensions/checkout-ui/package.json
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npx prisma generate
COPY . .
RUN npx remix vite:build

FROM node:20.20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    DATABASE_URL=file:/data/mpesa-checkout.sqlite
COPY package.json package-lock.json prisma.config.ts server.mjs ./
COPY extensions/checkout-ui/package.json extensions/checkout-ui/package.json
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npx prisma generate && mkdir -p /data
COPY --from=build /app/build ./build
EXPOSE 3000
VOLUME /data
# Applies pending migrations (SQLite or PostgreSQL, from DATABASE_URL), then serves.
CMD ["npm", "run", "docker-start"]
