using FlowForge.Core.Catalog;
using FlowForge.Core.Expressions;
using FlowForge.Core.Model;

namespace FlowForge.Core.Validation;

/// <summary>
/// The one check a workflow passes before it runs: <see cref="WorkflowValidator"/> with the condition language's
/// parser plugged in. Publishing, test runs and the sample seeder all call this, so a graph the API refuses is never
/// published by another path (the validator itself stays free of the expression language so it can be tested alone).
/// </summary>
public static class WorkflowValidation
{
    /// <summary>Validates <paramref name="graph"/> against <paramref name="catalog"/>, checking each condition's syntax.</summary>
    public static ValidationResult Validate(WorkflowGraph graph, NodeCatalog catalog) =>
        WorkflowValidator.Validate(graph, catalog, condition => ConditionEvaluator.Check(condition)?.Message);
}
