using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace FlowForge.Functions;

/// <summary>The isolated worker's entry point (a named class: the server's own <c>Program</c> is visible to this assembly).</summary>
internal static class FunctionsProgram
{
    public static void Main(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Build().Run();
    }
}
