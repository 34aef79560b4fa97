using FlowForge.Server.Nodes.Ai;
using FlowForge.Server.Providers.BuiltIn;

namespace FlowForge.Server.Tests.Nodes.Ai;

public class LexiconSentimentAnalyzerTests
{
    private static readonly LexiconSentimentAnalyzer Analyzer = LexiconSentimentAnalyzer.Default;

    private static double Score(string text) => Analyzer.Analyze(text).Score;

    [Fact]
    public void EmbeddedLexicon_Loads_AFewHundredWords() => Assert.InRange(Analyzer.WordCount, 250, 2000);

    [Theory]
    [InlineData("The service was good", "positive")]
    [InlineData("Absolutely wonderful, thank you", "positive")]
    [InlineData("This is terrible", "negative")]
    [InlineData("I am so frustrated with this", "negative")]
    [InlineData("The parcel is at the depot", "neutral")]
    [InlineData("", "neutral")]
    [InlineData("not good", "negative")]
    [InlineData("not bad at all", "positive")]
    [InlineData("I don't like it", "negative")]
    [InlineData("It isn't terrible", "positive")]
    [InlineData("The food was good but the service was terrible", "negative")]
    [InlineData("The wait was awful but the staff were wonderful", "positive")]
    public void Labels(string text, string label) => Assert.Equal(label, Analyzer.Analyze(text).Label);

    [Fact]
    public void Compound_IsNormalisedLikeVader()
    {
        // "good" is +3 on the AFINN scale, 2.4 on VADER's: 2.4 / sqrt(2.4² + 15).
        Assert.Equal(Math.Round(2.4 / Math.Sqrt(2.4 * 2.4 + 15), 4), Score("good"));
        Assert.InRange(Score("love love love amazing wonderful excellent perfect"), 0.95, 1.0);
        Assert.InRange(Score("awful horrible terrible worst disgusting"), -1.0, -0.95);
    }

    [Fact]
    public void Intensifiers_Dampeners_Exclamations_AndCaps_ShiftTheScore()
    {
        Assert.True(Score("very good") > Score("good"));
        Assert.True(Score("slightly good") < Score("good"));
        Assert.True(Score("kind of good") < Score("good"));
        Assert.True(Score("very bad") < Score("bad"));
        Assert.True(Score("good!!!") > Score("good"));
        Assert.True(Score("the food was GOOD") > Score("the food was good"));
        // All capitals is not emphasis: nothing stands out.
        Assert.Equal(Score("the food was good"), Score("THE FOOD WAS GOOD"));
    }

    [Fact]
    public void Negation_FlipsAndDamps()
    {
        var good = Score("good");
        var notGood = Score("not good");
        Assert.True(notGood < 0);
        Assert.True(Math.Abs(notGood) < good);
        Assert.True(Score("never helpful") < 0);
        Assert.True(Score("it wasn’t helpful") < 0);
    }

    [Fact]
    public void CustomLexicon_WithPrefixes()
    {
        var analyzer = new LexiconSentimentAnalyzer("# test\n+2 yay\n-3 grr*\n");
        Assert.Equal(2, analyzer.WordCount);
        Assert.Equal("positive", analyzer.Analyze("yay").Label);
        Assert.Equal("negative", analyzer.Analyze("grrrr").Label);
        Assert.Equal("neutral", analyzer.Analyze("good").Label);
    }
}

public class KeywordRulesTests
{
    [Fact]
    public void Match_IsCaseInsensitive_WholeWordOrPhrase()
    {
        var rules = new[] { new KeywordRule("refund", ["refund", "money back"]), new KeywordRule("cancel", ["cancel"]) };
        Assert.Equal("refund", KeywordRules.Match("I want my MONEY  back!", rules)!.Name);
        Assert.Null(KeywordRules.Match("refunded", rules));
        Assert.Null(KeywordRules.Match("cancellation", rules));
        var both = KeywordRules.Match("cancel it and refund me, money back now", rules)!;
        Assert.Equal("refund", both.Name);
        Assert.Equal(0.67, both.Confidence);
        Assert.Equal(["refund", "cancel"], both.Matched);
    }

    [Fact]
    public void Ties_GoToTheFirstRule()
    {
        var rules = new[] { new KeywordRule("a", ["x"]), new KeywordRule("b", ["y"]) };
        var m = KeywordRules.Match("y x", rules)!;
        Assert.Equal("a", m.Name);
        Assert.Equal(0.5, m.Confidence);
    }

    [Fact]
    public void FromConfig_AnIntentWithoutKeywords_MatchesItsName()
    {
        var rules = KeywordRules.FromConfig(System.Text.Json.Nodes.JsonNode.Parse("""[{"name":"refund"},{"name":"greet","keywords":["hello"]},{"keywords":["x"]}]"""))!;
        Assert.Equal(["refund", "greet"], rules.Select(r => r.Name));
        Assert.Equal(["refund"], rules[0].Keywords);
        Assert.Null(KeywordRules.FromConfig(System.Text.Json.Nodes.JsonNode.Parse("[]")));
    }

    [Theory]
    [InlineData("I feel suicidal", "high")]
    [InlineData("I lost my job and I'm in debt and depressed", "medium")]
    [InlineData("I am in hospital", "low")]
    [InlineData("Change my address", "none")]
    public void RiskLevels(string text, string level) =>
        Assert.Equal(level, KeywordRules.RiskLevel(KeywordRules.Match(text, KeywordRules.VulnerabilityIndicators)?.Matched ?? []));

    [Theory]
    [InlineData("Approve", "Approve", 1.0)]
    [InlineData("I would reject this.", "Reject", 1.0)]
    [InlineData("Approve or reject? Hard to say", "Review", 0.0)]
    [InlineData("{\"decision\":\"approved\",\"confidence\":0.6}", "Approve", 0.6)]
    [InlineData("no idea", "Review", 0.0)]
    public void DecisionFromFreeText(string answer, string decision, double confidence) =>
        Assert.Equal((decision, confidence), DecisionAgentHandler.ReadFreeText(answer));

    [Fact]
    public void ReasoningSplit()
    {
        Assert.Equal(("a\nb", "c"), ReasoningAgentHandler.Split("a\nb\nConclusion: c"));
        Assert.Equal(("first", "last"), ReasoningAgentHandler.Split("first\n\nlast"));
    }
}
