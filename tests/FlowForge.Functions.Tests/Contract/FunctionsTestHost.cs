using System.Net;
using System.Net.Sockets;
using System.Reflection;
using FlowForge.Core.Storage;
using FlowForge.Functions.Orchestration;
using FlowForge.Functions.Schedules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowForge.Functions.Tests.Contract;

/// <summary>
/// The Functions app's HTTP functions without the Functions host (whose binary cannot be installed here): a Kestrel app
/// with the app's own services (<see cref="FunctionsProgram.AddFlowForgeFunctions"/>) whose routes and methods are read
/// from the functions' <c>[HttpTrigger]</c> attributes, each invoking its function with the request, the route values and
/// the client of an in-process Durable Task hub running the real orchestration and activities. What differs from the
/// Functions host is only the binding: route matching, the request object and the client.
/// </summary>
internal sealed class FunctionsTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DurableTaskTestHost _durable;

    private FunctionsTestHost(WebApplication app, DurableTaskTestHost durable, Uri baseAddress)
    {
        _app = app;
        _durable = durable;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public DurableTaskClient Client => _durable.Client;

    /// <summary>The functions mapped, as "METHOD route" (the test that the table is complete reads it).</summary>
    public IReadOnlyList<string> Routes { get; private set; } = [];

    public static async Task<FunctionsTestHost> StartAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        configure?.Invoke(builder.Services);
        builder.Services.AddFlowForgeFunctionsApp(builder.Configuration);
        // The Functions runtime activates function classes itself; here the container does.
        builder.Services.AddSingleton<ScheduleFunction>();
        var app = builder.Build();

        OrchestrationActivities Activities() => app.Services.GetRequiredService<OrchestrationActivities>();
        var durable = await DurableTaskTestHost.StartAsync(r =>
        {
            r.AddOrchestrator(OrchestrationNames.RunWorkflow, () => new RunWorkflowOrchestrator());
            r.AddActivityFunc<WorkflowRunInput, LoadedWorkflow>(OrchestrationNames.LoadWorkflow, (_, input) => Activities().LoadWorkflowAsync(input!));
            r.AddActivityFunc<ActivityRequest, StepResult>(OrchestrationNames.RunNode, (_, input) => Activities().RunNodeAsync(input!));
            r.AddActivityFunc<TurnRecord>(OrchestrationNames.RecordTurn, (_, input) => Activities().RecordTurnAsync(input!));
        }, new DurableTaskTestHostOptions { Port = FreePort(), LoggerFactory = app.Services.GetRequiredService<ILoggerFactory>() });

        var routes = MapFunctions(app, durable.Client);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new FunctionsTestHost(app, durable, address) { Routes = routes };
    }

    /// <summary>
    /// The orchestration as a class: the Durable Task analyzers crash (AD0001, an error here) on an orchestrator function
    /// whose body is in another assembly.
    /// </summary>
    private sealed class RunWorkflowOrchestrator : Microsoft.DurableTask.TaskOrchestrator<WorkflowRunInput, RunOutcome>
    {
        public override Task<RunOutcome> RunAsync(Microsoft.DurableTask.TaskOrchestrationContext context, WorkflowRunInput input) => WorkflowOrchestration.RunAsync(context, input);
    }

    /// <summary>Every <c>[Function]</c> method with an <c>[HttpTrigger]</c> parameter, mapped at its route for its methods.</summary>
    private static List<string> MapFunctions(WebApplication app, DurableTaskClient client)
    {
        var routes = new List<string>();
        foreach (var method in typeof(FunctionsProgram).Assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is null) continue;
            var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
            if (trigger?.Route is not { } route) continue;
            var methods = (trigger.Methods ?? ["GET"]).Select(m => m.ToUpperInvariant()).ToArray();
            app.MapMethods("/" + route, methods, (RequestDelegate)(http => InvokeAsync(method, http, client)));
            routes.AddRange(methods.Select(m => $"{m} /{route}"));
        }
        return routes;
    }

    private static async Task InvokeAsync(MethodInfo method, HttpContext http, DurableTaskClient client)
    {
        var args = method.GetParameters().Select(object? (p) => p.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => http.Request,
            var t when t == typeof(DurableTaskClient) => client,
            var t when t == typeof(CancellationToken) => http.RequestAborted,
            var t when t == typeof(string) => http.GetRouteValue(p.Name!) as string,
            var t => throw new InvalidOperationException($"{method.DeclaringType!.Name}.{method.Name}: no binding for a {t.Name} parameter in the test host."),
        }).ToArray();
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(http.RequestServices, method.DeclaringType!);
        var result = await (Task<IResult>)method.Invoke(target, args)!;
        await result.ExecuteAsync(http);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _durable.DisposeAsync();
    }
}
