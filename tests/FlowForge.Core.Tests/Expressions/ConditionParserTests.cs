using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Expressions;

namespace FlowForge.Core.Tests.Expressions;

public class ConditionParserTests
{
    [Fact]
    public void Parse_BuildsComparison()
    {
        var node = Assert.IsType<ComparisonCondition>(ConditionParser.Parse("{{ intent }} == 'high'"));
        Assert.Equal("intent", Assert.IsType<VariableOperand>(node.Left).Path);
        Assert.Equal(ComparisonOperator.Equal, node.Operator);
        Assert.Equal("high", (string?)Assert.IsType<LiteralOperand>(node.Right).Value);
        Assert.Equal(0, node.Position);
    }

    [Fact]
    public void Parse_PrecedenceIsNotThenAndThenOr()
    {
        // a OR b AND NOT c  ==  a OR (b AND (NOT c))
        var or = Assert.IsType<OrCondition>(ConditionParser.Parse("{{a}} OR {{b}} AND NOT {{c}}"));
        Assert.Equal(2, or.Operands.Count);
        Assert.IsType<ValueCondition>(or.Operands[0]);
        var and = Assert.IsType<AndCondition>(or.Operands[1]);
        Assert.IsType<ValueCondition>(and.Operands[0]);
        var not = Assert.IsType<NotCondition>(and.Operands[1]);
        Assert.Equal(19, not.Position);
    }

    [Fact]
    public void Parse_NotAppliesToWholeComparison()
    {
        var not = Assert.IsType<NotCondition>(ConditionParser.Parse("NOT {{x}} exists"));
        var comparison = Assert.IsType<ComparisonCondition>(not.Operand);
        Assert.Equal(ComparisonOperator.Exists, comparison.Operator);
        Assert.Null(comparison.Right);
    }

    [Fact]
    public void Parse_ParenthesesOverridePrecedence()
    {
        var and = Assert.IsType<AndCondition>(ConditionParser.Parse("({{a}} OR {{b}}) AND {{c}}"));
        Assert.IsType<OrCondition>(and.Operands[0]);
    }

    [Fact]
    public void Parse_ChainsAreFlat()
    {
        var and = Assert.IsType<AndCondition>(ConditionParser.Parse(string.Join(" AND ", Enumerable.Repeat("{{a}} == 1", 200))));
        Assert.Equal(200, and.Operands.Count);
    }

    [Theory]
    [InlineData("'it\\'s'", "it's")]
    [InlineData("\"say \\\"hi\\\"\"", "say \"hi\"")]
    [InlineData("'a\\\\b'", "a\\b")]
    [InlineData("'line\\nbreak\\ttab\\r'", "line\nbreak\ttab\r")]
    [InlineData("'\\u00e9\\/'", "é/")]
    [InlineData("\"it's\"", "it's")]
    [InlineData("'{{not_a_template}}'", "{{not_a_template}}")]
    [InlineData("''", "")]
    public void Parse_StringLiterals(string literal, string expected)
    {
        var node = Assert.IsType<ComparisonCondition>(ConditionParser.Parse("{{x}} == " + literal));
        Assert.Equal(expected, (string?)Assert.IsType<LiteralOperand>(node.Right).Value);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-12", "-12")]
    [InlineData("3.25", "3.25")]
    [InlineData("1e3", "1000")]
    [InlineData("-2.5E-2", "-0.025")]
    public void Parse_Numbers(string literal, string expectedJson)
    {
        var node = Assert.IsType<ComparisonCondition>(ConditionParser.Parse("{{x}} > " + literal));
        Assert.Equal(expectedJson, Assert.IsType<LiteralOperand>(node.Right).Value!.ToJsonString());
    }

    [Theory]
    [InlineData("{{x}} == true", JsonValueKind.True)]
    [InlineData("{{x}} == FALSE", JsonValueKind.False)]
    public void Parse_BooleanKeywordsIgnoreCase(string text, JsonValueKind kind)
    {
        var node = Assert.IsType<ComparisonCondition>(ConditionParser.Parse(text));
        Assert.Equal(kind, Assert.IsType<LiteralOperand>(node.Right).Value!.GetValueKind());
    }

    [Fact]
    public void Parse_NullKeyword() =>
        Assert.Null(Assert.IsType<LiteralOperand>(Assert.IsType<ComparisonCondition>(ConditionParser.Parse("{{x}} != Null")).Right).Value);

    [Theory]
    [InlineData("{{a}} == 1", ComparisonOperator.Equal)]
    [InlineData("{{a}} != 1", ComparisonOperator.NotEqual)]
    [InlineData("{{a}} > 1", ComparisonOperator.GreaterThan)]
    [InlineData("{{a}} < 1", ComparisonOperator.LessThan)]
    [InlineData("{{a}} >= 1", ComparisonOperator.GreaterOrEqual)]
    [InlineData("{{a}} <= 1", ComparisonOperator.LessOrEqual)]
    [InlineData("{{a}} contains 1", ComparisonOperator.Contains)]
    [InlineData("{{a}} not_contains 1", ComparisonOperator.NotContains)]
    [InlineData("{{a}} starts_with 1", ComparisonOperator.StartsWith)]
    [InlineData("{{a}} ends_with 1", ComparisonOperator.EndsWith)]
    [InlineData("{{a}} is_empty", ComparisonOperator.IsEmpty)]
    [InlineData("{{a}} exists", ComparisonOperator.Exists)]
    [InlineData("{{a}} EQUALS 1", ComparisonOperator.Equal)]
    [InlineData("{{a}} not_equals 1", ComparisonOperator.NotEqual)]
    [InlineData("{{a}} greater_than 1", ComparisonOperator.GreaterThan)]
    [InlineData("{{a}} less_than 1", ComparisonOperator.LessThan)]
    [InlineData("{{a}} greater_or_equal 1", ComparisonOperator.GreaterOrEqual)]
    [InlineData("{{a}} less_or_equal 1", ComparisonOperator.LessOrEqual)]
    [InlineData("{{a}}>=1", ComparisonOperator.GreaterOrEqual)]
    public void Parse_EveryOperator(string text, ComparisonOperator expected) =>
        Assert.Equal(expected, Assert.IsType<ComparisonCondition>(ConditionParser.Parse(text)).Operator);

    [Theory]
    // empty
    [InlineData("", 0, "Condition is empty")]
    [InlineData("   ", 0, "Condition is empty")]
    // unclosed quote
    [InlineData("{{a}} == 'high", 9, "Unclosed string literal")]
    [InlineData("{{a}} == \"high\\\"", 9, "Unclosed string literal")]
    [InlineData("{{a}} == 'x\\q'", 11, "Invalid escape sequence '\\q'")]
    [InlineData("{{a}} == '\\u12'", 10, "Invalid \\u escape sequence")]
    // unbalanced parentheses
    [InlineData("({{a}} == 1", 11, "Expected ')'")]
    [InlineData("(({{a}} == 1) OR {{b}} exists", 29, "Expected ')'")]
    [InlineData("{{a}} == 1)", 10, "Unexpected ')'")]
    [InlineData("()", 1, "Expected a value")]
    [InlineData("({{a}} == 1 {{b}})", 12, "Expected ')'")]
    [InlineData("{{a}} == 1 {{b}}", 11, "Unexpected '{{b}}'")]
    // missing operand
    [InlineData("{{a}} ==", 8, "Expected a value")]
    [InlineData("== 1", 0, "Expected a value")]
    [InlineData("{{a}} == 1 AND", 14, "Expected a value")]
    [InlineData("AND {{a}}", 0, "Expected a value")]
    [InlineData("{{a}} == AND {{b}}", 9, "Expected a value")]
    [InlineData("NOT", 3, "Expected a value")]
    [InlineData("{{a}} > )", 8, "Expected a value")]
    // unknown operator
    [InlineData("{{a}} = 1", 6, "Unknown operator '='")]
    [InlineData("{{a}} === 1", 6, "Unknown operator '==='")]
    [InlineData("{{a}} && {{b}}", 6, "Unknown operator '&&'")]
    [InlineData("{{a}} like 'x%'", 6, "Unknown operator 'like'")]
    [InlineData("{{a}} 'x'", 6, "Expected an operator")]
    [InlineData("'x'", 3, "Expected an operator")]
    [InlineData("42 OR {{a}}", 3, "Expected an operator")]
    // trailing garbage
    [InlineData("{{a}} == 1 2", 11, "Unexpected '2'")]
    [InlineData("{{a}} == 1 garbage", 11, "Unexpected 'garbage'")]
    [InlineData("{{a}} exists exists", 13, "Unexpected 'exists'")]
    [InlineData("{{a}} == 1; DROP TABLE x", 10, "Unexpected ';'")]
    // operands
    [InlineData("intent == 'high'", 0, "Unexpected identifier 'intent' (write variables as {{intent}})")]
    [InlineData("{{a}} == high", 9, "Unexpected identifier 'high' (write variables as {{high}})")]
    [InlineData("{{a == 1", 0, "Unclosed placeholder")]
    [InlineData("{{ a b }} == 1", 0, "Invalid placeholder")]
    [InlineData("{{a}} == 1.2.3", 9, "Invalid number '1.2.3'")]
    [InlineData("{{a}} == 5abc", 9, "Invalid number '5abc'")]
    [InlineData("{{a}} == 1e999", 9, "Invalid number '1e999'")]
    [InlineData("{{a}} == $x", 9, "Unexpected character '$'")]
    [InlineData("{{a}} == {x}", 9, "Unexpected character '{'")]
    [InlineData("{{a}} == .5", 9, "Unexpected character '.'")]
    public void Parse_SyntaxErrorsReportPositionAndReason(string text, int position, string reason)
    {
        var ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(text));
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(position, ex.Position);
        Assert.Equal($"{reason} at position {position}", ex.Message);
    }

    [Fact]
    public void Parse_ExpectedParenMessageMatchesDesignDocExample()
    {
        var ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse("({{a}} == 'high' "));
        Assert.Equal("Expected ')' at position 17", ex.Message);
        Assert.IsAssignableFrom<ConditionException>(ex);
    }

    [Fact]
    public void Parse_DeepNestingIsRejectedWithoutStackOverflow()
    {
        var text = new string('(', 10_000) + "{{a}}" + new string(')', 10_000);
        var ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(text));
        Assert.Equal("Condition is longer than 4000 characters", ex.Reason);

        var deep = new string('(', 3000);
        ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(deep));
        Assert.Equal("Nesting is deeper than 32 levels", ex.Reason);
        Assert.Equal(32, ex.Position);

        var nots = string.Concat(Enumerable.Repeat("NOT ", 900)) + "true";
        ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(nots));
        Assert.Equal("Nesting is deeper than 32 levels", ex.Reason);
        Assert.Equal(32 * 4, ex.Position);
    }

    [Fact]
    public void Parse_ThirtyTwoLevelsAreAllowed()
    {
        var text = new string('(', 32) + "{{a}} == 1" + new string(')', 32);
        Assert.IsType<ComparisonCondition>(ConditionParser.Parse(text));

        var mixed = string.Concat(Enumerable.Repeat("NOT (", 16)) + "true" + new string(')', 16);
        Assert.IsType<NotCondition>(ConditionParser.Parse(mixed));
        Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse("NOT " + mixed));
    }

    [Fact]
    public void Parse_LengthLimit()
    {
        var ok = "{{a}} == '" + new string('x', ConditionParser.MaxLength - 11) + "'";
        Assert.Equal(ConditionParser.MaxLength, ok.Length);
        Assert.IsType<ComparisonCondition>(ConditionParser.Parse(ok));

        var ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(ok + " "));
        Assert.Equal(4000, ex.Position);

        ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(new string('x', 5_000_000)));
        Assert.Equal("Condition is longer than 4000 characters at position 4000", ex.Message);
    }

    [Fact]
    public void Parse_InjectionLookingTextInsideStringsIsData()
    {
        var node = Assert.IsType<ComparisonCondition>(ConditionParser.Parse("{{name}} == '\\'); DROP TABLE users; --'"));
        Assert.Equal("'); DROP TABLE users; --", (string?)Assert.IsType<LiteralOperand>(node.Right).Value);

        var code = Assert.IsType<ComparisonCondition>(ConditionParser.Parse("{{x}} == \"System.IO.File.Delete('c:/')\""));
        Assert.Equal("System.IO.File.Delete('c:/')", (string?)Assert.IsType<LiteralOperand>(code.Right).Value);

        var ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse("System.IO.File.Exists('x')"));
        Assert.Equal("Unexpected identifier 'System' (write variables as {{System}})", ex.Reason);
    }

    [Theory]
    [InlineData("'); DROP TABLE users; --", 0, "Unclosed string literal")]
    [InlineData("1 == 1; System.IO.File.Delete(\"x\")", 6, "Unexpected ';'")]
    [InlineData("{{a}} == 1 OR System.Environment.Exit(1)", 14, "Unexpected identifier 'System' (write variables as {{System}})")]
    [InlineData("{{a}}.GetType() == 1", 5, "Unexpected character '.'")]
    public void Parse_InjectionAttemptsAreSyntaxErrors(string text, int position, string reason)
    {
        var ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(text));
        Assert.Equal((position, reason), (ex.Position, ex.Reason));
    }

    [Fact]
    public void Parse_ManyUnclosedPlaceholdersFailFast()
    {
        var text = "{{a}} == 1 AND " + string.Concat(Enumerable.Repeat("{{", 1900));
        var ex = Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(text));
        Assert.Equal((15, "Unclosed placeholder"), (ex.Position, ex.Reason));
    }

    [Fact]
    public void Parse_NullThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => ConditionParser.Parse(null!));

    [Fact]
    public void Parse_LiteralsAreJsonNodes() =>
        Assert.IsType<JsonValue>(Assert.IsType<LiteralOperand>(Assert.IsType<ComparisonCondition>(ConditionParser.Parse("{{a}} == 1")).Right).Value, exactMatch: false);
}
