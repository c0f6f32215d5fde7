using Tollgate.Gateway;

await GatewayApp.Build(args).RunAsync();
