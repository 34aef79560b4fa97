using FlowForge.Server.Hosting;

var app = ServerApp.Build(args);
await app.RunAsync();
