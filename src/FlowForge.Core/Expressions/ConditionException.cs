namespace FlowForge.Core.Expressions;

/// <summary>A condition that cannot be evaluated because of its shape (bad operator, missing field, too deep...).</summary>
public class ConditionException : Exception
{
    public ConditionException(string message) : base(message) { }

    public ConditionException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A syntax error in the string condition language. <see cref="Exception.Message"/> reads
/// <c>"{Reason} at position {Position}"</c>, e.g. <c>Expected ')' at position 17</c>.
/// </summary>
public sealed class ConditionSyntaxException : ConditionException
{
    public ConditionSyntaxException(string reason, int position)
        : base($"{reason} at position {position}")
    {
        Reason = reason;
        Position = position;
    }

    /// <summary>0-based character index in the condition text where the problem was found.</summary>
    public int Position { get; }

    /// <summary>The message without the position, e.g. <c>Expected ')'</c>.</summary>
    public string Reason { get; }
}
