# syntax=docker/dockerfile:1
# FlowForge: the server with the web app built in, as one small non-root image.
#   docker build -t flowforge .
#   docker run -p 8080:8080 -v flowforge-data:/data flowforge        # SQLite in the volume; the first start prints an API key
# This file is checked offline by tests/FlowForge.Server.Tests/Deployment/ (what it COPYs exists in the publish output,
# the port, the entrypoint and the health path agree with the server); the image itself is built elsewhere.

# Node.js for the web app's build, taken from the official image (the SDK image has none).
FROM node:20-bookworm-slim AS node

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
WORKDIR /src

# Restore first, from the project files alone, so a source change does not download the packages again.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/FlowForge.Core/FlowForge.Core.csproj src/FlowForge.Core/
COPY src/FlowForge.Storage/FlowForge.Storage.csproj src/FlowForge.Storage/
COPY src/FlowForge.Storage.Sqlite/FlowForge.Storage.Sqlite.csproj src/FlowForge.Storage.Sqlite/
COPY src/FlowForge.Storage.Postgres/FlowForge.Storage.Postgres.csproj src/FlowForge.Storage.Postgres/
COPY src/FlowForge.Server/FlowForge.Server.csproj src/FlowForge.Server/WebApp.targets src/FlowForge.Server/
RUN dotnet restore src/FlowForge.Server/FlowForge.Server.csproj

# The web app's packages, likewise cached until package-lock.json changes. The server's build (WebApp.targets) then
# finds node_modules newer than the lock file and goes straight to `npm run build`.
COPY web/package.json web/package-lock.json web/
RUN cd web && npm ci --no-audit --no-fund --loglevel=error

COPY src/ src/
COPY web/ web/
# The server's own build runs `npm run build` into wwwroot and publishes it with the binaries (WebApp.targets).
# `test -f`: an image without the app (Node missing, say) fails here rather than serving the "not built" page.
RUN dotnet publish src/FlowForge.Server/FlowForge.Server.csproj -c Release -o /app/publish --no-restore -p:UseAppHost=false \
 && test -f /app/publish/wwwroot/index.html

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# SQLite (the default provider) and the Data Protection key ring next to it live in /data: mount a volume there.
# With PostgreSQL (Storage__Provider=postgres) the volume holds nothing that matters.
RUN mkdir -p /data && chown "$APP_UID" /data
WORKDIR /app
COPY --from=build /app/publish .
# One port, said once here and in EXPOSE: ASPNETCORE_URLS wins over the base image's ASPNETCORE_HTTP_PORTS, which is
# cleared so the server does not log that it overrode it.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    Storage__ConnectionString="Data Source=/data/flowforge.db"
EXPOSE 8080
VOLUME /data
# The non-root user the .NET base images create (uid 1654).
USER $APP_UID
# The runtime image has no curl: bash's /dev/tcp asks /health/ready (503 while starting or draining).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "flowforge.dll"]
