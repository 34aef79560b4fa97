using FlowForge.Server.Hosting;

try
{
    var app = ServerApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (SettingsRegistration.DescribeFailure(e) is { } settings)
{
    // A configuration mistake is the operator's to fix: say which setting, without a stack trace.
    Console.Error.WriteLine("FlowForge cannot start: a setting is not valid." + Environment.NewLine + settings);
    return 2;
}
