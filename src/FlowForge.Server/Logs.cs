namespace FlowForge.Server;

/// <summary>Source-generated log messages of the server, with stable event ids.</summary>
internal static partial class Logs
{
    [LoggerMessage(1002, LogLevel.Error, "Deciding execution {ExecutionId} threw; the execution is failed so the others can go on")]
    public static partial void DecideFailed(ILogger logger, Exception e, string executionId);

    [LoggerMessage(1102, LogLevel.Warning, "Activity {ExecutionId}/{StepKey} was claimed {ClaimCount} times without a result: failed as poison")]
    public static partial void PoisonActivity(ILogger logger, string executionId, string stepKey, int claimCount);

    [LoggerMessage(1103, LogLevel.Warning, "Activity {ExecutionId}/{StepKey} threw after {ElapsedMs} ms")]
    public static partial void ActivityCrashed(ILogger logger, Exception e, string executionId, string stepKey, double elapsedMs);

    [LoggerMessage(1105, LogLevel.Information, "Released {Count} activity leases on shutdown")]
    public static partial void ReleasedActivities(ILogger logger, int count);

    [LoggerMessage(1201, LogLevel.Information, "Purged {Count} finished executions older than the retention period")]
    public static partial void Purged(ILogger logger, int count);

    [LoggerMessage(1301, LogLevel.Error, "Routing live events of execution {ExecutionId} failed")]
    public static partial void LiveRouteFailed(ILogger logger, string executionId, Exception e);

    [LoggerMessage(1302, LogLevel.Warning, "Sending live events to connection {ConnectionId} failed; closing it")]
    public static partial void LiveSendFailed(ILogger logger, string connectionId, Exception e);

    // ---- hub sessions and their keys (1550-1599) ----

    [LoggerMessage(1550, LogLevel.Information, "API key {KeyId} was revoked: closed its {Count} hub connection(s)")]
    public static partial void HubKeyRevoked(ILogger logger, string keyId, int count);

    [LoggerMessage(1552, LogLevel.Warning, "Hub call {Method} of connection {ConnectionId} was refused: {Reason}")]
    public static partial void HubCallRefused(ILogger logger, string method, string connectionId, string reason);

    [LoggerMessage(1553, LogLevel.Error, "Hub call {Method} of connection {ConnectionId} failed")]
    public static partial void HubCallFailed(ILogger logger, Exception e, string method, string connectionId);

    // ---- 1600-1649: request and test-run limits (issue 9) ----

    [LoggerMessage(1600, LogLevel.Information, "Test run of workflow {WorkflowId} (organisation {OrgId}) stopped by its budget: {Reason}")]
    public static partial void TestRunStopped(ILogger logger, string workflowId, string orgId, string reason);

    // Issue 9 (engine isolation and back-off): 1500-1549.
    [LoggerMessage(1500, LogLevel.Warning, "The turn of execution {ExecutionId} could not be stored; the execution is failed so the others can go on")]
    public static partial void PoisonTurn(ILogger logger, Exception e, string executionId);

    [LoggerMessage(1501, LogLevel.Warning, "The result of activity {ActivityId} of execution {ExecutionId} could not be stored; the step is failed instead")]
    public static partial void PoisonResult(ILogger logger, Exception e, string executionId, long activityId);

    [LoggerMessage(1502, LogLevel.Error, "Not even the failure of execution {ExecutionId} could be stored; it is left for a later attempt")]
    public static partial void PoisonFailureNotStored(ILogger logger, Exception e, string executionId);

    [LoggerMessage(1510, LogLevel.Error, "The {Loop} failed (is the database reachable?); retrying with back-off, further failures are logged at most once a minute")]
    public static partial void OutageStarted(ILogger logger, Exception e, string loop);

    [LoggerMessage(1511, LogLevel.Warning, "The {Loop} is still failing after {Failures} attempts: {Message}")]
    public static partial void OutageContinues(ILogger logger, string loop, int failures, string message);

    [LoggerMessage(1512, LogLevel.Information, "The {Loop} works again after {Failures} failed attempts")]
    public static partial void OutageEnded(ILogger logger, string loop, int failures);

    // ---- 1720-1739: logs moved onto source-generated methods (issue 10) ----

    [LoggerMessage(1720, LogLevel.Warning, "Schedule {Workflow}/{Step} has an invalid cron ({Error}); it is stopped until re-published.")]
    public static partial void ScheduleCronInvalid(ILogger logger, string workflow, string step, string? error);

    [LoggerMessage(1721, LogLevel.Warning, "Created the first API key (prefix {Prefix}) for organisation 'default'")]
    public static partial void BootstrapKeyCreated(ILogger logger, string prefix);

    [LoggerMessage(1722, LogLevel.Warning, "The sample workflow {WorkflowId} is not valid and stays a draft: {Errors}")]
    public static partial void SampleWorkflowInvalid(ILogger logger, string workflowId, string errors);

    [LoggerMessage(1723, LogLevel.Information, "Seeded and published the sample workflow {WorkflowId}")]
    public static partial void SampleWorkflowSeeded(ILogger logger, string workflowId);

    // ---- approvals inbox (1870-1879) ----

    [LoggerMessage(1870, LogLevel.Warning, "Execution {ExecutionId} is left out of the approvals inbox: its stored history cannot be read")]
    public static partial void ApprovalUnreadable(ILogger logger, string executionId, Exception e);

    [LoggerMessage(1871, LogLevel.Warning, "A refused call to trigger {WorkflowId}/{StepId} could not be logged")]
    public static partial void RefusedDeliveryNotLogged(ILogger logger, string workflowId, string stepId, Exception e);

    // 1880–1899: analytics.
    [LoggerMessage(1880, LogLevel.Debug, "Counted {Count} finished executions into the analytics roll-ups")]
    public static partial void AnalyticsBatchCounted(ILogger logger, int count);

    // 1920–1939: health.
    [LoggerMessage(1920, LogLevel.Information, "Shutting down: readiness reports 503 now; still serving for {Delay} (Health__ShutdownDelay) before draining")]
    public static partial void ShutdownDelayed(ILogger logger, TimeSpan delay);

    [LoggerMessage(1921, LogLevel.Warning, "Copied {Count} Data Protection key ring element(s) from the folder {Path} into the database (PostgreSQL keeps the ring in data_protection_keys now; the folder is no longer read)")]
    public static partial void KeyRingImported(ILogger logger, int count, string path);

    [LoggerMessage(2000, LogLevel.Information, "OpenTelemetry is on: OTLP export to {Endpoint}, Prometheus page {Prometheus}")]
    public static partial void TelemetryOn(ILogger logger, string endpoint, string prometheus);

    [LoggerMessage(2001, LogLevel.Warning, "Telemetry__Enabled is true but OTEL_EXPORTER_OTLP_ENDPOINT is not set and Telemetry__Prometheus is off: traces, metrics and logs are produced and go nowhere")]
    public static partial void TelemetryGoesNowhere(ILogger logger);
}
