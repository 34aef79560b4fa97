using FlowForge.Core.Catalog.Nodes;

namespace FlowForge.Core.Catalog;

/// <summary>The list of built-in node types; each lives in its own file under <c>Nodes/</c>.</summary>
internal static class BuiltInNodeTypes
{
    public static IEnumerable<NodeTypeDescriptor> All =>
    [
        TriggerWhatsApp.Descriptor,
        TriggerEmail.Descriptor,
        TriggerVoice.Descriptor,
        TriggerWebhook.Descriptor,
        TriggerSchedule.Descriptor,
        TriggerManual.Descriptor,
        AgentConversational.Descriptor,
        AgentDecision.Descriptor,
        AgentReasoning.Descriptor,
        ActionWhatsApp.Descriptor,
        ActionEmail.Descriptor,
        ActionCall.Descriptor,
        ActionCrm.Descriptor,
        ActionHttp.Descriptor,
        UtilityTextGen.Descriptor,
        UtilitySentiment.Descriptor,
        UtilityIntent.Descriptor,
        UtilityVulnerability.Descriptor,
        UtilityReason.Descriptor,
        UtilityCustom.Descriptor,
        LogicCondition.Descriptor,
        LogicDelay.Descriptor,
        LogicLoop.Descriptor,
        LogicAbSplit.Descriptor,
        LogicSetVariable.Descriptor,
        LogicSubworkflow.Descriptor,
        LogicApproval.Descriptor,
    ];
}
