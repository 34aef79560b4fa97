using System.Globalization;
using System.Text.Json;

namespace FlowForge.Server.Tests.Deployment;

/// <summary>
/// infra/k8s rendered by the real <c>kubectl kustomize</c>. There is no cluster here, and <c>kubectl apply
/// --dry-run=client</c> needs one (it asks the API server for its resource types), so the schema check is ours: every
/// object's required fields for its kind, and the references between objects, over the rendered output.
/// </summary>
public sealed class KubernetesTests
{
    public static TheoryData<string> Folders => new() { "infra/k8s/base", "infra/k8s/overlays/try-postgres" };

    /// <summary>The kinds the manifests use, with their API version and the fields the API server would require.</summary>
    private static readonly Dictionary<string, (string ApiVersion, string[] Required)> Kinds = new()
    {
        ["Namespace"] = ("v1", []),
        ["ConfigMap"] = ("v1", ["data"]),
        ["Secret"] = ("v1", ["type"]),
        ["Service"] = ("v1", ["spec.selector", "spec.ports"]),
        ["Deployment"] = ("apps/v1", ["spec.selector.matchLabels", "spec.template.metadata.labels", "spec.template.spec.containers"]),
        ["StatefulSet"] = ("apps/v1", ["spec.selector.matchLabels", "spec.serviceName", "spec.template.metadata.labels", "spec.template.spec.containers"]),
        ["HorizontalPodAutoscaler"] = ("autoscaling/v2", ["spec.scaleTargetRef.name", "spec.maxReplicas", "spec.metrics"]),
        ["PodDisruptionBudget"] = ("policy/v1", ["spec.selector.matchLabels"]),
    };

    [Theory]
    [MemberData(nameof(Folders))]
    public void Rendered_ObjectsHaveTheirKindsRequiredFields(string folder)
    {
        var objects = DeploymentFiles.Kustomize(folder);
        Assert.Contains(objects, o => Kind(o) == "Deployment");
        foreach (var o in objects)
        {
            var kind = Kind(o);
            Assert.True(Kinds.TryGetValue(kind, out var expected), $"{kind}: not a kind these manifests are checked for");
            Assert.Equal(expected.ApiVersion, o.GetProperty("apiVersion").GetString());
            Assert.False(string.IsNullOrEmpty(Name(o)), $"{kind} without metadata.name");
            foreach (var path in expected.Required) Assert.True(At(o, path) is not null, $"{kind}/{Name(o)}: {path} is required");
            // Names are DNS labels (RFC 1123), or the API server refuses them.
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Name(o));
        }
        // Every selector matches the pods it means (a typo leaves a Service without endpoints and a PDB guarding nothing).
        var workloads = objects.Where(o => Kind(o) is "Deployment" or "StatefulSet").ToList();
        foreach (var w in workloads)
            Assert.True(Matches(At(w, "spec.selector.matchLabels")!.Value, At(w, "spec.template.metadata.labels")!.Value), $"{Name(w)}: selector does not match its pods");
        foreach (var s in objects.Where(o => Kind(o) is "Service"))
            Assert.Single(workloads, w => Matches(At(s, "spec.selector")!.Value, At(w, "spec.template.metadata.labels")!.Value));
        foreach (var p in objects.Where(o => Kind(o) is "PodDisruptionBudget"))
            Assert.Single(workloads, w => Matches(At(p, "spec.selector.matchLabels")!.Value, At(w, "spec.template.metadata.labels")!.Value));
        foreach (var h in objects.Where(o => Kind(o) is "HorizontalPodAutoscaler"))
            Assert.Contains(workloads, w => Kind(w) == At(h, "spec.scaleTargetRef.kind")!.Value.GetString() && Name(w) == At(h, "spec.scaleTargetRef.name")!.Value.GetString());
        // What the server's pods read exists.
        var server = Server(objects);
        foreach (var source in Container(server).GetProperty("envFrom").EnumerateArray())
        {
            var (kind, reference) = source.TryGetProperty("configMapRef", out var c) ? ("ConfigMap", c) : ("Secret", source.GetProperty("secretRef"));
            Assert.Contains(objects, o => Kind(o) == kind && Name(o) == reference.GetProperty("name").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Settings_InConfigMapSecretAndEnv_AreRealValidSettings(string folder)
    {
        var objects = DeploymentFiles.Kustomize(folder);
        var env = ServerEnvironment(objects);
        Assert.Contains("Storage__Provider", env.Keys);
        Assert.All(env.Keys, key => Assert.Null(ServerSettings.WhyNotASetting(key)));
        Assert.Null(ServerSettings.ValidationFailure(env));
        Assert.Equal("postgres", env["Storage__Provider"]);
        Assert.Equal("true", env["Live__CrossProcess"]);
    }

    [Fact]
    public void Probes_AskTheHealthPathsOnTheImagesPort()
    {
        var objects = DeploymentFiles.Kustomize("infra/k8s/base");
        var container = Container(Server(objects));
        var port = container.GetProperty("ports").EnumerateArray().Single();
        Assert.Equal(DockerfileTests.ListenPort(), port.GetProperty("containerPort").GetInt32());
        Assert.Equal($"http://+:{DockerfileTests.ListenPort()}", ServerEnvironment(objects)["ASPNETCORE_URLS"]);
        var portName = port.GetProperty("name").GetString();
        foreach (var (probe, path) in new[] { ("startupProbe", "/health/live"), ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready") })
        {
            var get = container.GetProperty(probe).GetProperty("httpGet");
            Assert.Equal(path, get.GetProperty("path").GetString());
            Assert.Equal(portName, get.GetProperty("port").GetString());
        }
        // The Service sends to the same named port.
        var service = objects.Single(o => Kind(o) == "Service" && Name(o) == "flowforge");
        Assert.Equal(portName, service.GetProperty("spec").GetProperty("ports")[0].GetProperty("targetPort").GetString());
    }

    [Fact]
    public void ProbeAndHealthcheckPaths_AreRoutesTheServerMaps()
    {
        var container = Container(Server(DeploymentFiles.Kustomize("infra/k8s/base")));
        var paths = new[] { "startupProbe", "livenessProbe", "readinessProbe" }
            .Select(p => container.GetProperty(p).GetProperty("httpGet").GetProperty("path").GetString()!).ToList();
        var healthcheck = string.Join(' ', DeploymentFiles.ExecForm(DeploymentFiles.RuntimeStage(DeploymentFiles.Dockerfile()).Single(i => i.Keyword == "HEALTHCHECK").Arguments));
        paths.Add(System.Text.RegularExpressions.Regex.Match(healthcheck, @"GET (\S+) HTTP").Groups[1].Value);
        foreach (var path in paths) Assert.Contains(path, ServerSettings.Routes);
    }

    [Fact]
    public void TerminationGrace_CoversPreStopAndShutdownGrace()
    {
        var objects = DeploymentFiles.Kustomize("infra/k8s/base");
        var pod = Server(objects).GetProperty("spec").GetProperty("template").GetProperty("spec");
        var termination = pod.GetProperty("terminationGracePeriodSeconds").GetInt32();
        var preStop = Container(Server(objects)).GetProperty("lifecycle").GetProperty("preStop").GetProperty("exec").GetProperty("command");
        Assert.Equal("sleep", preStop[0].GetString());
        var pause = int.Parse(preStop[1].GetString()!, CultureInfo.InvariantCulture);
        var env = ServerEnvironment(objects);
        var grace = env.TryGetValue("Engine__ShutdownGrace", out var g) ? TimeSpan.Parse(g, CultureInfo.InvariantCulture) : new FlowForge.Server.Engine.EngineOptions().ShutdownGrace;
        // 10 s left after the pause and the drain: the leases are released and the host stops before SIGKILL.
        Assert.True(termination >= pause + grace.TotalSeconds + 10,
            $"terminationGracePeriodSeconds {termination} < preStop {pause}s + Engine__ShutdownGrace {grace} + 10s to release leases");
    }

    [Fact]
    public void Pods_RunAsNonRootWithoutPrivileges()
    {
        var objects = DeploymentFiles.Kustomize("infra/k8s/base");
        var pod = Server(objects).GetProperty("spec").GetProperty("template").GetProperty("spec");
        Assert.True(pod.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean());
        Assert.NotEqual(0, pod.GetProperty("securityContext").GetProperty("runAsUser").GetInt32());
        var container = Container(Server(objects)).GetProperty("securityContext");
        Assert.False(container.GetProperty("allowPrivilegeEscalation").GetBoolean());
        Assert.True(container.GetProperty("readOnlyRootFilesystem").GetBoolean());
        // A read-only root: the image's volume must be writable, or the server cannot start (SQLite file, key files).
        var mounts = Container(Server(objects)).GetProperty("volumeMounts").EnumerateArray().Select(m => m.GetProperty("mountPath").GetString()).ToList();
        Assert.Contains("/data", mounts);
        Assert.Contains("/tmp", mounts);
        Assert.True(Container(Server(objects)).GetProperty("resources").GetProperty("requests").TryGetProperty("cpu", out _), "the HPA scales on CPU: a request is needed");
    }

    private static string Kind(JsonElement o) => o.GetProperty("kind").GetString()!;

    private static string Name(JsonElement o) => o.GetProperty("metadata").GetProperty("name").GetString()!;

    private static JsonElement? At(JsonElement o, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(part, out o)) return null;
        }
        return o;
    }

    private static bool Matches(JsonElement selector, JsonElement labels) =>
        selector.EnumerateObject().Any() &&
        selector.EnumerateObject().All(s => labels.TryGetProperty(s.Name, out var v) && v.GetString() == s.Value.GetString());

    private static JsonElement Server(List<JsonElement> objects) => objects.Single(o => Kind(o) == "Deployment" && Name(o) == "flowforge");

    private static JsonElement Container(JsonElement deployment) =>
        deployment.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "flowforge");

    /// <summary>The server container's environment: its ConfigMap and Secret (envFrom) and its own env entries.</summary>
    private static Dictionary<string, string> ServerEnvironment(List<JsonElement> objects)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var container = Container(Server(objects));
        foreach (var source in container.GetProperty("envFrom").EnumerateArray())
        {
            var (kind, field, name) = source.TryGetProperty("configMapRef", out var c)
                ? ("ConfigMap", "data", c.GetProperty("name").GetString())
                : ("Secret", "stringData", source.GetProperty("secretRef").GetProperty("name").GetString());
            foreach (var p in objects.Single(o => Kind(o) == kind && Name(o) == name).GetProperty(field).EnumerateObject()) env[p.Name] = p.Value.GetString()!;
        }
        foreach (var e in container.GetProperty("env").EnumerateArray()) env[e.GetProperty("name").GetString()!] = e.GetProperty("value").GetString()!;
        return env;
    }
}
