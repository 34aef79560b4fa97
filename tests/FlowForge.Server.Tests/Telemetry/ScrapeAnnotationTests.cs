using System.Text.Json;
using FlowForge.Server.Telemetry;
using FlowForge.Server.Tests.Deployment;

namespace FlowForge.Server.Tests.Telemetry;

/// <summary>
/// infra/k8s, rendered by <c>kubectl kustomize</c>: pods that ask to be scraped serve the page they point at (the
/// ConfigMap turns it on, on the container's port, at the server's path), so a Prometheus does not scrape 404s.
/// </summary>
public sealed class ScrapeAnnotationTests
{
    [Theory]
    [MemberData(nameof(KubernetesTests.Folders), MemberType = typeof(KubernetesTests))]
    public void ScrapeAnnotations_PointAtThePrometheusPageTheSettingsTurnOn(string folder)
    {
        var objects = DeploymentFiles.Kustomize(folder);
        var deployment = objects.Single(o => o.GetProperty("kind").GetString() == "Deployment" && o.GetProperty("metadata").GetProperty("name").GetString() == "flowforge");
        var template = deployment.GetProperty("spec").GetProperty("template");
        var annotations = template.GetProperty("metadata").GetProperty("annotations");
        Assert.Equal("true", annotations.GetProperty("prometheus.io/scrape").GetString());
        Assert.Equal(TelemetryRegistration.MetricsPath, annotations.GetProperty("prometheus.io/path").GetString());

        var container = template.GetProperty("spec").GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "flowforge");
        Assert.Contains(container.GetProperty("ports").EnumerateArray(),
            p => p.GetProperty("containerPort").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) == annotations.GetProperty("prometheus.io/port").GetString());

        var configMap = container.GetProperty("envFrom").EnumerateArray().Where(e => e.TryGetProperty("configMapRef", out _))
            .Select(e => objects.Single(o => o.GetProperty("kind").GetString() == "ConfigMap"
                && o.GetProperty("metadata").GetProperty("name").GetString() == e.GetProperty("configMapRef").GetProperty("name").GetString()))
            .Single();
        Assert.Equal("true", configMap.GetProperty("data").TryGetProperty("Telemetry__Prometheus", out var on) ? on.GetString() : null);
    }
}
