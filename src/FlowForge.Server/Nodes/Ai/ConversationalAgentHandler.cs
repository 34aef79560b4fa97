using System.Text.Json.Nodes;
using FlowForge.Server.Providers;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Ai;

/// <summary>
/// <c>agent_conversational</c> → <c>agent_response</c>. OpenAI: system prompt (+ <c>memoryContext</c>), the chat
/// history, then the input text. BotCore: <c>/qna</c> <c>{question, uuid: executionId, chatHistory}</c> (BotCore
/// keeps its own prompt and memory per uuid; systemPrompt and memoryContext are not sent). No built-in model.
/// </summary>
internal sealed class ConversationalAgentHandler(AiNodeSupport ai) : INodeHandler
{
    public const string DefaultSystemPrompt = "You are a helpful, concise customer service assistant.";

    public string NodeType => NodeTypeNames.AgentConversational;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = AiNodeSupport.Config(context);
        var provider = await ai.RequireProviderAsync(context, input, ct);
        var text = await ai.InputTextAsync(context, input, ct);
        var history = await ai.ChatHistoryAsync(context, input, ct);
        var reply = provider.Kind == ProviderKinds.BotCore
            ? await ai.BotCore.AskAsync(provider, text, context.ExecutionId, history, context.IdempotencyKey, ct)
            : await ai.OpenAI.CompleteAsync(provider, AiNodeSupport.Model(input),
                AiNodeSupport.Messages(AiNodeSupport.SystemPrompt(input, DefaultSystemPrompt), text, AiNodeSupport.HistoryMessages(history)),
                AiInput.Number(input, "temperature"), jsonObject: false, context.IdempotencyKey, ct);
        return new NodeResult(new JsonObject { ["agent_response"] = reply });
    }
}
