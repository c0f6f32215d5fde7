# One image recipe for both processes: --build-arg PROJECT=Silo|Gateway.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT
WORKDIR /src
COPY . .
RUN dotnet publish "src/${PROJECT}/Tollgate.${PROJECT}.csproj" -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG PROJECT
ENV TOLLGATE_ASSEMBLY=Tollgate.${PROJECT}.dll
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["sh", "-c", "exec dotnet \"/app/$TOLLGATE_ASSEMBLY\""]
