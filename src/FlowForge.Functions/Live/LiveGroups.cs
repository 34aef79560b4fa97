namespace FlowForge.Functions.Live;

/// <summary>
/// The SignalR Service groups live events go to, as the server's hub routes them (LiveBroadcaster): every event of an
/// execution to its execution's subscribers; lifecycle events (started, waiting, completed, failed) also to its
/// workflow's and its organisation's. The subscribe functions (az-api) add a client's connection to these groups
/// after the same checks the hub makes. A connection in two groups an event goes to receives it twice (the server
/// sends it once): the payload's <c>executionId</c> and <c>sequence</c> identify it, for clients to drop the repeat.
/// </summary>
internal static class LiveGroups
{
    public static string Execution(string executionId) => "execution:" + executionId;

    public static string Workflow(string orgId, string workflowId) => "workflow:" + orgId + ":" + workflowId;

    public static string Organization(string orgId) => "organization:" + orgId;
}
