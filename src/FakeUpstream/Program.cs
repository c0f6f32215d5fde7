using Tollgate.FakeUpstream;

await FakeUpstreamApp.Build(args).RunAsync();
