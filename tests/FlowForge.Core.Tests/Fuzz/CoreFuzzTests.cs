using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Expressions;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Core.Tests.Engine;
using FlowForge.Core.Validation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace FlowForge.Core.Tests.Fuzz;

/// <summary>
/// Generated workflows, trigger data, templates and conditions thrown at validation, the expression language and
/// the decider. The properties: nothing throws except the documented error types, and whatever the decider
/// decides can be stored and replayed to the same state. A failing run prints the seed to replay it.
/// </summary>
public sealed class CoreFuzzTests
{
    private static ValidationResult Validate(WorkflowGraph graph) =>
        WorkflowValidator.Validate(graph, NodeCatalog.Default, condition => ConditionEvaluator.Check(condition)?.Message);

    [Property(MaxTest = 400)]
    public Property Validation_NeverThrows_AndIsDeterministic() =>
        Prop.ForAll(FuzzInputs.Workflow.ToArbitrary(), graph =>
        {
            var first = Validate(graph);
            var second = Validate(graph);
            Assert.Equal(first.Errors, second.Errors);
            Assert.Equal(first.Warnings, second.Warnings);
            Assert.All(first.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        });

    [Fact]
    public void WorkflowGenerator_MakesEnoughValidWorkflows_ForTheDeciderPropertyToMeanSomething()
    {
        var sample = FuzzInputs.Workflow.ArrayOf(500).Sample(10, new Rnd(20261129UL), 1)[0]; // a fixed seed: the ratio is a property of the generator, not of luck
        var valid = sample.Count(g => Validate(g).Valid);
        Assert.True(sample.Select(g => JsonSerializer.Serialize(g, JsonDefaults.Options)).Distinct().Count() > 400, "The sample repeats itself.");
        var why = string.Join(", ", sample.SelectMany(g => Validate(g).Errors.Select(e => e.Code + ":" + e.Field)).GroupBy(c => c).OrderByDescending(g => g.Count()).Take(12).Select(g => $"{g.Key}={g.Count()}"));
        Assert.True(valid >= 100 && sample.Length == 500, $"Only {valid} of 500 generated workflows are valid: the generator no longer reaches the decider. Errors: {why}");
        Assert.True(valid <= 450, $"{valid} of 500 generated workflows are valid: the generator no longer exercises validation errors.");
    }

    [Property(MaxTest = 300)]
    public Property Decider_OnAnyValidWorkflow_NeverThrows_AndItsHistoryStoresAndReplays() =>
        Prop.ForAll((
            from graph in FuzzInputs.Workflow
            from trigger in FuzzInputs.TriggerData
            from values in FuzzInputs.Json(2).ArrayOf(8)
            from seed in Gen.Choose(0, int.MaxValue)
            select (graph, trigger, values, seed)).ToArbitrary(), input =>
        {
            var (graph, trigger, values, seed) = input;
            if (!Validate(graph).Valid) return;
            var random = new Random(seed);
            var h = new DeciderHarness(graph, $"ex_fuzz{seed}");
            h.Start(trigger);
            for (var round = 0; round < 40 && h.State.TerminalStatus is null; round++)
            {
                switch (random.Next(10))
                {
                    case < 6:
                        h.RunActivities(s => random.Next(4) switch
                        {
                            0 => DeciderHarness.Fail(s, "boom", retryable: random.Next(2) == 0),
                            1 => null, // still running
                            _ => DeciderHarness.Ok(s, values[random.Next(values.Length)]?.DeepClone()),
                        }, maxTurns: 50);
                        break;
                    case 6:
                        h.FireDueTimers(TimeSpan.FromDays(random.Next(1, 10)));
                        break;
                    case 7:
                        h.Raise(random.Next(2) == 0 ? "approval" : "other", values[random.Next(values.Length)]?.DeepClone());
                        break;
                    case 8:
                        h.Resume();
                        break;
                    default:
                        if (random.Next(5) == 0) h.Cancel();
                        else h.FireDueTimers(TimeSpan.FromMinutes(1));
                        break;
                }
            }

            // Whatever was decided is storable: serialized as the stores do, read back, and replayed to the same state.
            var stored = h.History.Select(StoredEvent.Serialize).Select(StoredEvent.Deserialize).ToList();
            var replayed = ExecutionState.Replay(h.ExecutionId, stored);
            Assert.Equal(h.State.Status, replayed.Status);
            Assert.Equal(h.State.Steps.Select(s => (s.StepKey, s.Phase)), replayed.Steps.Select(s => (s.StepKey, s.Phase)));
            if (replayed.TerminalStatus is not null)
            {
                // A finished execution decides nothing more, whatever arrives (short of a resume, which reopens a failed one).
                var after = Decider.Decide(h.Graph, replayed, [new EventRaised("approval", null), new TimerFired("delay:n0:1"), new CancelRequested("late")]);
                Assert.DoesNotContain(after.Decisions, d => d is StepScheduled or TimerCreated or ChildRequested);
            }
        });

    [Property(MaxTest = 500)]
    public Property Templates_RenderAnythingWithoutThrowing() =>
        Prop.ForAll((
            from template in FuzzInputs.Text
            from trigger in FuzzInputs.TriggerData
            from value in FuzzInputs.Json(3)
            select (template, trigger, value)).ToArbitrary(), input =>
        {
            var (template, trigger, value) = input;
            var context = new ExpressionContext(trigger, new JsonObject { ["item"] = value?.DeepClone() });
            context.AddStepOutput("t", trigger.DeepClone());
            var warnings = new List<string>();
            _ = TemplateResolver.Render(template, context, warnings);
            _ = TemplateResolver.ResolveValue(new JsonObject { ["a"] = template, ["b"] = new JsonArray(template, value?.DeepClone()) }, context, warnings);
        });

    [Property(MaxTest = 500)]
    public Property Conditions_ParseOrFailWithAConditionError_AndEvaluateWithoutThrowing() =>
        Prop.ForAll(Gen.Zip(FuzzInputs.Condition, FuzzInputs.TriggerData).ToArbitrary(), input =>
        {
            var (text, trigger) = input;
            var context = new ExpressionContext(trigger);
            ConditionNode parsed;
            try
            {
                parsed = ConditionParser.Parse(text);
            }
            catch (ConditionException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                return;
            }
            _ = ConditionEvaluator.Evaluate(parsed, context);
        });

    [Property(MaxTest = 300)]
    public Property StructuredConditions_AreCheckedWithoutThrowing() =>
        Prop.ForAll(FuzzInputs.Json(4).ToArbitrary(), json =>
        {
            var element = JsonDocument.Parse(json?.ToJsonString() ?? "null").RootElement;
            if (ConditionEvaluator.Check(element) is null) _ = ConditionEvaluator.Evaluate(element, new ExpressionContext(new JsonObject()));
        });
}
