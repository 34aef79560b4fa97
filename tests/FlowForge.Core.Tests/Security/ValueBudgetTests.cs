using System.Text.Json.Nodes;
using FlowForge.Core.Engine;
using FlowForge.Core.Expressions;

namespace FlowForge.Core.Tests.Security;

/// <summary>
/// The step output limit (Limits__MaxStepOutputBytes) and depth limit, at their exact boundaries: a value that costs N
/// bytes fits a budget of N and not of N - 1. What a value costs: 2 for a container's brackets, a name's UTF-8 bytes + 2
/// for its quotes, 1 per array item, 4 for null, a string's UTF-8 bytes + 2, a number or boolean its JSON text.
/// </summary>
public sealed class ValueBudgetTests
{
    [Theory]
    [InlineData("null", 4)]
    [InlineData("true", 4)]
    [InlineData("12345", 5)]
    [InlineData("\"héllo\"", 8)]
    [InlineData("{}", 2)]
    [InlineData("[]", 2)]
    [InlineData("{\"a\":1}", 6)]
    [InlineData("[1,2]", 6)]
    [InlineData("{\"ab\":[null,\"x\"]}", 17)]
    public void AValue_FitsABudgetOfItsCost_AndNotOneByteLess(string json, int cost)
    {
        var node = JsonNode.Parse(json);

        Assert.Null(ValueBudget.Check(node, cost));
        Assert.Equal($"The value is larger than {cost - 1} bytes: it exceeds Limits__MaxStepOutputBytes ({cost - 1}).", ValueBudget.Check(node, cost - 1));
    }

    [Fact]
    public void Spending_IsCumulative_UpToTheLimitInclusive()
    {
        var budget = new ValueBudget(10);
        budget.Spend(4);
        budget.Spend("ab");
        budget.Spend(2);

        var error = Assert.Throws<ValueLimitException>(() => budget.Spend(1));
        Assert.Contains("larger than 10 bytes", error.Message);
        Assert.Equal(10, budget.MaxBytes);
    }

    /// <summary>A container <see cref="EngineLimits.MaxOutputDepth"/> levels deep is stored; one more level is not; scalars add no level.</summary>
    [Fact]
    public void Depth_IsCountedInContainers_UpToMaxOutputDepth()
    {
        static JsonNode Nest(int levels, JsonNode? innermost)
        {
            var node = new JsonArray(innermost);
            for (var i = 1; i < levels; i++) node = new JsonArray(node);
            return node;
        }

        Assert.Null(ValueBudget.Check(Nest(EngineLimits.MaxOutputDepth, 1), long.MaxValue));
        Assert.Null(ValueBudget.Check(Nest(EngineLimits.MaxOutputDepth, null), long.MaxValue));
        Assert.Equal(
            "The value is nested deeper than 48 levels, the most a step output can have and still be stored.",
            ValueBudget.Check(Nest(EngineLimits.MaxOutputDepth, new JsonObject()), long.MaxValue));
        Assert.NotNull(ValueBudget.Check(Nest(EngineLimits.MaxOutputDepth + 1, 1), long.MaxValue));
        Assert.True(EngineLimits.IsTooDeep(EngineLimits.MaxOutputDepth + 1));
        Assert.False(EngineLimits.IsTooDeep(EngineLimits.MaxOutputDepth));
    }

    [Fact]
    public void TheDefaults_AreTheDocumentedOnes()
    {
        Assert.Equal(1024 * 1024, EngineLimits.Default.MaxStepOutputBytes);
        Assert.Equal(10, EngineLimits.Default.MaxSubworkflowDepth);
        Assert.Equal(50_000, EngineLimits.Default.MaxStepsPerExecution);
        Assert.Null(EngineLimits.Default.ChildStarts);
    }
}
