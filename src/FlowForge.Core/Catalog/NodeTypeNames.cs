namespace FlowForge.Core.Catalog;

/// <summary>
/// The name of every built-in node type: the one place these strings are written. The catalog's descriptors
/// (<c>Catalog/Nodes/</c>), the decider, the node handlers and the trigger endpoints all refer to these constants.
/// </summary>
public static class NodeTypeNames
{
    // Triggers: start an execution; not run as steps.
    public const string TriggerEmail = "trigger_email";
    public const string TriggerManual = "trigger_manual";
    public const string TriggerSchedule = "trigger_schedule";
    public const string TriggerVoice = "trigger_voice";
    public const string TriggerWebhook = "trigger_webhook";
    public const string TriggerWhatsApp = "trigger_whatsapp";

    // AI agents: run by a handler (activities).
    public const string AgentConversational = "agent_conversational";
    public const string AgentDecision = "agent_decision";
    public const string AgentReasoning = "agent_reasoning";

    // Actions: side effects, run by a handler (activities).
    public const string ActionCall = "action_call";
    public const string ActionCrm = "action_crm";
    public const string ActionEmail = "action_email";
    public const string ActionHttp = "action_http";
    public const string ActionWhatsApp = "action_whatsapp";

    // AI utilities: run by a handler (activities).
    public const string UtilityCustom = "utility_custom";
    public const string UtilityIntent = "utility_intent";
    public const string UtilityReason = "utility_reason";
    public const string UtilitySentiment = "utility_sentiment";
    public const string UtilityTextGen = "utility_text_gen";
    public const string UtilityVulnerability = "utility_vulnerability";

    // Logic: interpreted by the decider inline (no handler).
    public const string LogicAbSplit = "logic_ab_split";
    public const string LogicApproval = "logic_approval";
    public const string LogicCondition = "logic_condition";
    public const string LogicDelay = "logic_delay";
    public const string LogicLoop = "logic_loop";
    public const string LogicSetVariable = "logic_set_variable";
    public const string LogicSubworkflow = "logic_subworkflow";

    /// <summary>The prefix every trigger type starts with.</summary>
    public const string TriggerPrefix = "trigger_";

    public static bool IsTrigger(string type) => type.StartsWith(TriggerPrefix, StringComparison.Ordinal);
}
