using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Expressions;

namespace FlowForge.Core.Tests.Expressions;

public class ConditionEvaluatorTests
{
    private static ExpressionContext Context()
    {
        var context = new ExpressionContext(
            trigger: JsonNode.Parse("""{"message_text":"Hello World","channel":"email"}"""),
            vars: new JsonObject
            {
                ["intent"] = "high",
                ["sentiment_score"] = 0.75,
                ["count_text"] = "5",
                ["five"] = 5,
                ["t"] = true,
                ["f"] = false,
                ["flag_text"] = "TRUE",
                ["nul"] = null,
                ["empty"] = "",
                ["blank"] = " ",
                ["list"] = new JsonArray("a", "b", 3),
                ["nums"] = new JsonArray(1, 2.5, "7"),
                ["emptyList"] = new JsonArray(),
                ["obj"] = new JsonObject { ["k"] = "v" },
                ["emptyObj"] = new JsonObject(),
                ["word"] = "Banana",
                ["zero"] = 0,
            });
        context.AddStepOutput("classify", JsonNode.Parse("""{"label":"urgent","confidence":0.91}"""));
        return context;
    }

    private static bool Eval(string condition, List<string>? warnings = null) =>
        ConditionEvaluator.Evaluate(condition, Context(), warnings);

    private static bool EvalJson(string json, List<string>? warnings = null) =>
        ConditionEvaluator.Evaluate(JsonDocument.Parse(json).RootElement, Context(), warnings);

    [Theory]
    // == and != : numeric when both parse, else ordinal case-sensitive text
    [InlineData("{{intent}} == 'high'", true)]
    [InlineData("{{intent}} == 'HIGH'", false)]
    [InlineData("{{intent}} != 'HIGH'", true)]
    [InlineData("{{five}} == '5'", true)]
    [InlineData("{{count_text}} == 5", true)]
    [InlineData("{{count_text}} == 5.0", true)]
    [InlineData("{{count_text}} == '5.00'", true)]
    [InlineData("{{five}} != 5", false)]
    [InlineData("{{sentiment_score}} == 0.75", true)]
    [InlineData("{{t}} == true", true)]
    [InlineData("{{t}} == 'true'", true)]
    [InlineData("{{t}} == 'True'", false)]
    [InlineData("{{f}} != true", true)]
    [InlineData("{{nul}} == null", true)]
    [InlineData("{{nul}} == ''", false)]
    [InlineData("{{empty}} == ''", true)]
    [InlineData("{{empty}} != null", true)]
    [InlineData("{{obj}} == '{\"k\":\"v\"}'", false)]
    [InlineData("{{obj}} == {{obj}}", true)]
    [InlineData("{{list}} == {{vars.list}}", true)]
    [InlineData("{{list}} == {{nums}}", false)]
    // ordering
    [InlineData("{{sentiment_score}} > 0.5", true)]
    [InlineData("{{sentiment_score}} < 0.5", false)]
    [InlineData("{{count_text}} > 10", false)]
    [InlineData("{{count_text}} >= 5", true)]
    [InlineData("{{count_text}} <= 4.99", false)]
    [InlineData("{{count_text}} < '10'", true)]
    [InlineData("'abc' < 'abd'", true)]
    [InlineData("'B' < 'a'", true)]
    [InlineData("{{word}} > 'Apple'", true)]
    [InlineData("{{nul}} < 1", false)]
    [InlineData("{{nul}} >= 1", false)]
    [InlineData("{{list}} > 1", false)]
    [InlineData("-1 < {{zero}}", true)]
    [InlineData("1e3 == 1000", true)]
    // contains / not_contains / starts_with / ends_with: case-insensitive on text
    [InlineData("{{message_text}} contains 'world'", true)]
    [InlineData("{{message_text}} contains 'planet'", false)]
    [InlineData("{{message_text}} not_contains 'planet'", true)]
    [InlineData("{{message_text}} not_contains 'WORLD'", false)]
    [InlineData("{{message_text}} starts_with 'hello'", true)]
    [InlineData("{{message_text}} starts_with 'world'", false)]
    [InlineData("{{message_text}} ends_with 'WORLD'", true)]
    [InlineData("{{message_text}} ends_with 'hello'", false)]
    [InlineData("{{sentiment_score}} starts_with '0.7'", true)]
    [InlineData("{{five}} contains 5", true)]
    [InlineData("{{list}} starts_with 'a'", false)]
    [InlineData("{{nul}} contains ''", false)]
    [InlineData("{{nul}} not_contains 'x'", true)]
    // contains on arrays is membership with == semantics; on objects a key test
    [InlineData("{{list}} contains 'a'", true)]
    [InlineData("{{list}} contains 'A'", false)]
    [InlineData("{{list}} contains 3", true)]
    [InlineData("{{list}} contains '3'", true)]
    [InlineData("{{list}} contains 'ab'", false)]
    [InlineData("{{nums}} contains 7", true)]
    [InlineData("{{nums}} contains 2.50", true)]
    [InlineData("{{list}} not_contains 'z'", true)]
    [InlineData("{{emptyList}} contains 'a'", false)]
    [InlineData("{{obj}} contains 'k'", true)]
    [InlineData("{{obj}} contains 'v'", false)]
    // is_empty / exists
    [InlineData("{{empty}} is_empty", true)]
    [InlineData("{{blank}} is_empty", false)]
    [InlineData("{{nul}} is_empty", true)]
    [InlineData("{{emptyList}} is_empty", true)]
    [InlineData("{{emptyObj}} is_empty", true)]
    [InlineData("{{list}} is_empty", false)]
    [InlineData("{{zero}} is_empty", false)]
    [InlineData("{{f}} is_empty", false)]
    [InlineData("{{missing}} is_empty", true)]
    [InlineData("{{intent}} exists", true)]
    [InlineData("{{empty}} exists", true)]
    [InlineData("{{nul}} exists", false)]
    [InlineData("{{missing}} exists", false)]
    [InlineData("NOT {{missing}} exists", true)]
    [InlineData("{{steps.classify.label}} exists", true)]
    // lone values
    [InlineData("true", true)]
    [InlineData("FALSE", false)]
    [InlineData("{{t}}", true)]
    [InlineData("{{f}}", false)]
    [InlineData("{{flag_text}}", true)]
    [InlineData("NOT {{f}}", true)]
    public void StringLanguage_Operators(string condition, bool expected) =>
        Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("true OR true AND false", true)]        // OR(true, AND(true,false))
    [InlineData("(true OR true) AND false", false)]
    [InlineData("false AND false OR true", true)]       // OR(AND(false,false), true)
    [InlineData("false AND (false OR true)", false)]
    [InlineData("NOT false AND false", false)]          // AND(NOT false, false)
    [InlineData("NOT (false AND false)", true)]
    [InlineData("NOT true OR true", true)]              // OR(NOT true, true)
    [InlineData("NOT (true OR true)", false)]
    [InlineData("NOT NOT true", true)]
    [InlineData("true and not false or false", true)]
    [InlineData("((((true))))", true)]
    [InlineData("{{intent}} == 'high' AND {{sentiment_score}} > 0.5", true)]
    [InlineData("{{intent}} == 'low' OR {{sentiment_score}} > 0.5 AND {{channel}} == 'email'", true)]
    [InlineData("({{intent}} == 'low' OR {{sentiment_score}} > 0.5) AND {{channel}} == 'sms'", false)]
    public void StringLanguage_PrecedenceAndParentheses(string condition, bool expected) =>
        Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("{{missing}} == 'x'")]
    [InlineData("{{missing}} != 'x'")]
    [InlineData("{{missing}} > 1")]
    [InlineData("{{missing}} < 1")]
    [InlineData("{{missing}} contains 'x'")]
    [InlineData("{{missing}} not_contains 'x'")]
    [InlineData("{{missing}} starts_with 'x'")]
    [InlineData("'x' == {{missing}}")]
    [InlineData("{{missing}}")]
    public void MissingVariable_ComparisonsAreFalseWithAWarning(string condition)
    {
        var warnings = new List<string>();
        Assert.False(Eval(condition, warnings));
        Assert.Equal(["Variable 'missing' is not defined"], warnings);
    }

    [Fact]
    public void MissingVariable_ExistsAndIsEmptyDoNotWarn()
    {
        var warnings = new List<string>();
        Assert.False(Eval("{{missing}} exists", warnings));
        Assert.True(Eval("{{missing}} is_empty", warnings));
        Assert.Empty(warnings);
    }

    [Fact]
    public void NonBooleanLoneValueIsFalseWithWarning()
    {
        var warnings = new List<string>();
        Assert.False(Eval("{{intent}}", warnings));
        Assert.Equal(["Value of 'intent' is not a boolean; treated as false"], warnings);
    }

    [Fact]
    public void ShortCircuitSkipsUnneededOperands()
    {
        var warnings = new List<string>();
        Assert.True(Eval("true OR {{missing}} == 1", warnings));
        Assert.False(Eval("false AND {{missing}} == 1", warnings));
        Assert.Empty(warnings);
    }

    [Fact]
    public void VariableValuesAreDataNotSyntax()
    {
        var context = new ExpressionContext(vars: new JsonObject
        {
            ["name"] = "' OR 'a' == 'a",
            ["code"] = "System.IO.File.Delete(\"/etc/passwd\")",
            ["tpl"] = "{{secret}}",
            ["secret"] = "s",
        });
        Assert.False(ConditionEvaluator.Evaluate("{{name}} == 'bob'", context));
        Assert.True(ConditionEvaluator.Evaluate("{{name}} == '\\' OR \\'a\\' == \\'a'", context));
        Assert.True(ConditionEvaluator.Evaluate("{{code}} starts_with 'system.io'", context));
        Assert.False(ConditionEvaluator.Evaluate("{{tpl}} == 's'", context));
        Assert.True(ConditionEvaluator.Evaluate("{{tpl}} == '{{secret}}'", context));
    }

    [Fact]
    public void StringLiteralsAreNotTemplateExpanded() =>
        Assert.False(Eval("{{intent}} == '{{intent}}'"));

    [Fact]
    public void JsonStringConditionUsesTheStringLanguage()
    {
        Assert.True(EvalJson("\"{{intent}} == 'high' AND {{sentiment_score}} > 0.5\""));
        Assert.Throws<ConditionSyntaxException>(() => EvalJson("\"{{intent}} ==\""));
    }

    [Fact]
    public void JsonBooleanLiterals()
    {
        Assert.True(EvalJson("true"));
        Assert.False(EvalJson("false"));
    }

    // ---- structured: {combinator, conditions} -----------------------------------------------------------

    [Theory]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"intent","operator":"equals","value":"high"},{"variable":"{{sentiment_score}}","operator":">","value":0.5}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"intent","operator":"equals","value":"high"},{"variable":"sentiment_score","operator":"<","value":0.5}]}""", false)]
    [InlineData("""{"combinator":"or","conditions":[{"variable":"intent","operator":"==","value":"low"},{"variable":"sentiment_score","operator":"greater_than","value":"0.5"}]}""", true)]
    [InlineData("""{"conditions":[{"variable":"intent","operator":"equals","value":"high"},{"variable":"channel","operator":"equals","value":"sms"}]}""", false)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"trigger.message_text","operator":"startsWith","value":"hello"}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"list","operator":"contains","value":3}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"missing","operator":"is_empty"}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"intent","operator":"exists","value":"ignored"}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"intent","operator":"not_equals","value":"low"}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"five","operator":"greater_or_equal","value":5}, {"variable":"five","operator":"less_or_equal","value":5}, {"variable":"five","operator":"less_than","value":6}]}""", true)]
    [InlineData("""{"combinator":"OR","conditions":[{"combinator":"AND","conditions":[{"variable":"intent","operator":"==","value":"high"},{"variable":"channel","operator":"==","value":"sms"}]}, "{{channel}} == 'email'"]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[true, {"left":"intent","operator":"==","right":"high"}]}""", true)]
    public void Structured_Group(string json, bool expected) =>
        Assert.Equal(expected, EvalJson(json));

    [Theory]
    // value templates: a lone placeholder is typed, text with placeholders is rendered
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"count_text","operator":"==","value":"{{five}}"}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"trigger.message_text","operator":"==","value":"Hello {{steps.classify.label}}"}]}""", false)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"trigger.message_text","operator":"contains","value":"{{trigger.channel}}"}]}""", false)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"label","operator":"==","value":"{{steps.classify.label}}"}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"Hello {{trigger.channel}}","operator":"==","value":"Hello email"}]}""", true)]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"nul","operator":"==","value":null}]}""", true)]
    public void Structured_ValueTemplates(string json, bool expected) =>
        Assert.Equal(expected, EvalJson(json));

    [Theory]
    [InlineData("string", "five", "==", "\"5\"", true)]
    [InlineData("string", "count_text", "==", "\"5.0\"", false)]   // strings: no numeric equality
    [InlineData("string", "count_text", ">", "\"10\"", true)]       // "5" > "10" ordinally
    [InlineData("number", "count_text", ">", "\"10\"", false)]
    [InlineData("number", "count_text", "==", "5.0", true)]
    [InlineData("number", "intent", "==", "5", false)]              // not a number: false + warning
    [InlineData("boolean", "flag_text", "==", "true", true)]
    [InlineData("boolean", "t", "==", "\"TRUE\"", true)]
    [InlineData("boolean", "zero", "==", "false", true)]
    [InlineData("Boolean", "f", "!=", "\"1\"", true)]
    [InlineData("boolean", "intent", "==", "true", false)]
    [InlineData("string", "nul", "==", "\"\"", true)]
    [InlineData("string", "word", "contains", "\"NAN\"", true)]
    public void Structured_TypeCoercion(string type, string variable, string op, string valueJson, bool expected)
    {
        var json = $$"""{"combinator":"AND","conditions":[{"variable":"{{variable}}","operator":"{{op}}","value":{{valueJson}},"type":"{{type}}"}]}""";
        Assert.Equal(expected, EvalJson(json));
    }

    [Fact]
    public void Structured_CoercionFailureWarns()
    {
        var warnings = new List<string>();
        Assert.False(EvalJson("""{"conditions":[{"variable":"intent","operator":"==","value":1,"type":"number"}]}""", warnings));
        Assert.Equal(["Value of 'intent' cannot be converted to number"], warnings);
    }

    [Fact]
    public void Structured_MissingVariableWarns()
    {
        var warnings = new List<string>();
        Assert.False(EvalJson("""{"conditions":[{"variable":"nope","operator":"!=","value":"{{also_nope}}"}]}""", warnings));
        Assert.Equal(["Variable 'nope' is not defined", "Variable 'also_nope' is not defined"], warnings);
    }

    // ---- structured: {left, operator, right, logicalOp, next} -------------------------------------------

    [Fact]
    public void Structured_ChainSingle()
    {
        Assert.True(EvalJson("""{"left":"{{intent}}","operator":"==","right":"high"}"""));
        Assert.False(EvalJson("""{"left":"intent","operator":"==","right":"low"}"""));
    }

    [Theory]
    // a AND b
    [InlineData("true", "AND", "true", "OR", "false", true)]
    // fold left to right, no precedence: (a OR b) AND c
    [InlineData("true", "OR", "false", "AND", "false", false)]   // precedence would give true
    [InlineData("false", "AND", "false", "OR", "true", true)]
    [InlineData("false", "or", "true", "and", "true", true)]
    [InlineData("true", "AND", "false", "OR", "true", true)]
    public void Structured_ChainFoldsLeftToRight(string a, string op1, string b, string op2, string c, bool expected)
    {
        static string Cmp(string v) => $$"""{"left":"t","operator":"==","right":{{v}}""";
        var json = Cmp(a) + $",\"logicalOp\":\"{op1}\",\"next\":" + Cmp(b) + $",\"logicalOp\":\"{op2}\",\"next\":" + Cmp(c) + "}}}";
        Assert.Equal(expected, EvalJson(json));
    }

    [Fact]
    public void Structured_ChainDefaultsToAndAndMayEndInAnyForm()
    {
        Assert.False(EvalJson("""{"left":"intent","operator":"==","right":"high","next":{"left":"channel","operator":"==","right":"sms"}}"""));
        Assert.True(EvalJson("""{"left":"intent","operator":"==","right":"low","logicalOp":"OR","next":"{{channel}} == 'email'"}"""));
        Assert.True(EvalJson("""{"left":"intent","operator":"==","right":"low","logicalOp":"OR","next":{"combinator":"AND","conditions":[true]}}"""));
        // a trailing logicalOp without next is ignored
        Assert.True(EvalJson("""{"left":"intent","operator":"==","right":"high","logicalOp":"OR","next":null}"""));
    }

    [Fact]
    public void Structured_LongChainIsIterative()
    {
        var sb = new System.Text.StringBuilder();
        const int n = 60; // JsonDocument's default depth limit is 64
        for (var i = 0; i < n; i++) sb.Append("""{"left":"five","operator":">=","right":5,"logicalOp":"AND","next":""");
        sb.Append("true").Append('}', n);
        var chain = Assert.IsType<ChainCondition>(ConditionEvaluator.Compile(JsonDocument.Parse(sb.ToString()).RootElement));
        Assert.Equal(n + 1, chain.Items.Count);
        Assert.True(EvalJson(sb.ToString()));
    }

    // ---- malformed structured conditions ----------------------------------------------------------------

    [Theory]
    [InlineData("""{"conditions":[{"variable":"a","operator":"like","value":1}]}""", "condition.conditions[0]: unknown operator \"like\"")]
    [InlineData("""{"conditions":[{"variable":"a","value":1}]}""", "condition.conditions[0]: 'operator' is missing")]
    [InlineData("""{"conditions":[{"operator":"==","value":1}]}""", "condition.conditions[0]: 'left' (or 'variable') is missing")]
    [InlineData("""{"conditions":[{"variable":"a","operator":"=="}]}""", "condition.conditions[0]: operator '==' needs 'right' (or 'value')")]
    [InlineData("""{"conditions":[{"variable":"a","operator":"==","value":1,"type":"date"}]}""", "condition.conditions[0]: unknown type \"date\"; expected \"string\", \"number\" or \"boolean\"")]
    [InlineData("""{"conditions":[{"variable":"not a path","operator":"==","value":1}]}""", "condition.conditions[0]: 'variable' is not a variable path: 'not a path'")]
    [InlineData("""{"conditions":[{"variable":42,"operator":"==","value":1}]}""", "condition.conditions[0]: 'variable' must be a variable path string, not a number")]
    [InlineData("""{"conditions":[{"variable":"a","operator":5,"value":1}]}""", "condition.conditions[0]: unknown operator 5")]
    [InlineData("""{"combinator":"XOR","conditions":[true]}""", "condition: 'combinator' must be \"AND\" or \"OR\", not \"XOR\"")]
    [InlineData("""{"combinator":"AND","conditions":[]}""", "condition: 'conditions' is empty")]
    [InlineData("""{"combinator":"AND"}""", "condition: 'conditions' is missing")]
    [InlineData("""{"combinator":"AND","conditions":{}}""", "condition: 'conditions' must be an array, not an object")]
    [InlineData("""{"conditions":[1]}""", "condition.conditions[0]: a condition must be a string, a boolean or an object, not a number")]
    [InlineData("""{"left":"a","operator":"==","right":1,"logicalOp":"XOR","next":true}""", "condition: 'logicalOp' must be \"AND\" or \"OR\", not \"XOR\"")]
    [InlineData("""{"left":"a","operator":"==","right":1,"next":{"left":"b","operator":"~","right":1}}""", "condition.next: unknown operator \"~\"")]
    [InlineData("""{"foo":"bar"}""", "condition: expected {combinator, conditions}, {left, operator, right} or {variable, operator, value}")]
    [InlineData("null", "condition: a condition must be a string, a boolean or an object, not null")]
    [InlineData("[]", "condition: a condition must be a string, a boolean or an object, not an array")]
    [InlineData("12", "condition: a condition must be a string, a boolean or an object, not a number")]
    public void Structured_MalformedThrowsConditionException(string json, string message)
    {
        var ex = Assert.Throws<ConditionException>(() => EvalJson(json));
        Assert.Equal(message, ex.Message);
        var check = ConditionEvaluator.Check(JsonDocument.Parse(json).RootElement);
        Assert.NotNull(check);
        Assert.Equal(message, check.Message);
    }

    [Fact]
    public void Structured_DeepNestingIsLimited()
    {
        string Nest(int levels) =>
            string.Concat(Enumerable.Repeat("""{"conditions":[""", levels)) + "true" + string.Concat(Enumerable.Repeat("]}", levels));
        var doc = JsonDocument.Parse(Nest(32), new JsonDocumentOptions { MaxDepth = 1000 });
        Assert.True(ConditionEvaluator.Evaluate(doc.RootElement, Context()));

        var deep = JsonDocument.Parse(Nest(400), new JsonDocumentOptions { MaxDepth = 1000 });
        var ex = Assert.Throws<ConditionException>(() => ConditionEvaluator.Evaluate(deep.RootElement, Context()));
        Assert.EndsWith("conditions are nested deeper than 32 levels", ex.Message);
    }

    [Fact]
    public void Structured_HugeStringsAreRejectedNotCrashed()
    {
        var huge = new string('a', 100_000);
        var json = JsonSerializer.Serialize(new { conditions = new object[] { new { variable = huge, @operator = "==", value = 1 } } });
        var ex = Assert.Throws<ConditionException>(() => EvalJson(json));
        Assert.Equal("condition.conditions[0]: 'variable' is longer than 4000 characters", ex.Message);

        var hugeCondition = JsonSerializer.Serialize("{{a}} == '" + huge + "'");
        Assert.Equal(4000, Assert.IsType<ConditionSyntaxException>(ConditionEvaluator.Check(JsonDocument.Parse(hugeCondition).RootElement)).Position);
    }

    // ---- Check ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("\"{{intent}} == 'high' AND NOT ({{a}} exists OR {{b}} is_empty)\"")]
    [InlineData("true")]
    [InlineData("""{"combinator":"AND","conditions":[{"variable":"a","operator":"==","value":"{{b}}","type":"number"}]}""")]
    [InlineData("""{"left":"{{a}}","operator":"contains","right":"x","logicalOp":"OR","next":{"left":"b","operator":"exists"}}""")]
    public void Check_WellFormedReturnsNull(string json) =>
        Assert.Null(ConditionEvaluator.Check(JsonDocument.Parse(json).RootElement));

    [Fact]
    public void Check_StringSyntaxErrorCarriesPosition()
    {
        var error = Assert.IsType<ConditionSyntaxException>(ConditionEvaluator.Check(JsonDocument.Parse("\"({{a}} == 'x'\"").RootElement));
        Assert.Equal(13, error.Position);
        Assert.Equal("Expected ')'", error.Reason);
    }

    // ---- ReferencedPaths --------------------------------------------------------------------------------

    [Fact]
    public void ReferencedPaths_StringLanguage()
    {
        var paths = ConditionEvaluator.ReferencedPaths(JsonDocument.Parse(
            "\"{{intent}} == 'high' AND ({{ steps.a.items[0].score }} > {{vars.min}} OR NOT {{intent}} exists) AND {{x}} == '{{not_read}}'\"").RootElement);
        Assert.Equal(["intent", "steps.a.items[0].score", "vars.min", "x"], paths);
    }

    [Fact]
    public void ReferencedPaths_StructuredForms()
    {
        var group = ConditionEvaluator.ReferencedPaths(JsonDocument.Parse("""
            {"combinator":"OR","conditions":[
              {"variable":"intent","operator":"==","value":"{{expected}}"},
              {"variable":"{{trigger.user.age}}","operator":">","value":{"nested":["{{limits.age}}"]}},
              "{{flag}}",
              {"variable":"intent","operator":"exists"}
            ]}
            """).RootElement);
        Assert.Equal(["intent", "expected", "trigger.user.age", "limits.age", "flag"], group);

        var chain = ConditionEvaluator.ReferencedPaths(JsonDocument.Parse("""
            {"left":"a","operator":"==","right":"x {{b}} y","logicalOp":"OR","next":{"left":"c.d","operator":"is_empty","right":"{{ignored}}"}}
            """).RootElement);
        Assert.Equal(["a", "b", "c.d"], chain);
    }

    [Fact]
    public void ReferencedPaths_MalformedIsBestEffort()
    {
        Assert.Equal(["a", "b"], ConditionEvaluator.ReferencedPaths(JsonDocument.Parse("\"({{a}} == {{b}}\"").RootElement));
        Assert.Equal(["a", "b", "c"], ConditionEvaluator.ReferencedPaths(JsonDocument.Parse(
            """{"conditions":[{"variable":"a","operator":"???","value":"{{b}}"},{"left":"{{c}}"}]}""").RootElement));
        Assert.Empty(ConditionEvaluator.ReferencedPaths(JsonDocument.Parse("42").RootElement));
    }

    [Fact]
    public void ReferencedPaths_BooleanHasNone() =>
        Assert.Empty(ConditionEvaluator.ReferencedPaths(JsonDocument.Parse("true").RootElement));

    // ---- parsed once, evaluated many times ---------------------------------------------------------------

    [Fact]
    public void ParsedConditionCanBeReusedAcrossContexts()
    {
        var node = ConditionParser.Parse("{{item.price}} > 10");
        var results = new[] { 5, 15, 10 }.Select(price =>
            ConditionEvaluator.Evaluate(node, new ExpressionContext(vars: new JsonObject { ["item"] = new JsonObject { ["price"] = price } })));
        Assert.Equal([false, true, false], results);
    }
}
