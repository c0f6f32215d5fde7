# One image recipe for both processes: --build-arg PROJECT=Silo|Gateway.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT
WORKDIR /src
COPY . .
# ReadyToRun: code compiled ahead, so a pod starts and answers its first requests sooner (docs/benchmarks.md, "ReadyToRun").
RUN dotnet publish "src/${PROJECT}/Tollgate.${PROJECT}.csproj" -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG PROJECT
ENV TOLLGATE_ASSEMBLY=Tollgate.${PROJECT}.dll
# Socket continuations run on the socket's event thread instead of being handed to the thread pool: fewer hand-offs and
# wake-ups per request (docs/benchmarks.md, "Socket completions inline"). The proxy's provider connections hop back to
# the pool (Proxy/UpstreamConnection.cs), so no long continuation holds up the sockets behind it. 0 turns it off.
ENV DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["sh", "-c", "exec dotnet \"/app/$TOLLGATE_ASSEMBLY\""]
