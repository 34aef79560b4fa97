using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FlowForge.Server.Providers.BuiltIn;

/// <summary>A named rule: the words and phrases that suggest it.</summary>
internal sealed record KeywordRule(string Name, IReadOnlyList<string> Keywords);

/// <summary>The outcome of matching rules: the best rule's name, its confidence, and every rule that matched.</summary>
internal sealed record KeywordMatch(string Name, double Confidence, IReadOnlyList<string> Matched);

/// <summary>
/// Offline keyword/phrase rules for intent, vulnerability and contact reason. A keyword matches as a whole
/// word or phrase, ignoring case and runs of spaces ("cancel my order" matches "Cancel  my order!", "refund"
/// does not match "refunded"; add both forms). Each rule scores the number of its keywords found; the rule
/// with the most wins, ties going to the one listed first. Confidence is the winner's share of all keyword
/// hits (1 when no other rule matched), rounded to 2 decimals.
/// </summary>
internal static partial class KeywordRules
{
    /// <summary>The intents used when a node lists none.</summary>
    public static IReadOnlyList<KeywordRule> DefaultIntents { get; } =
    [
        new("greeting", ["hi", "hello", "hey", "good morning", "good afternoon", "good evening", "greetings"]),
        new("refund", ["refund", "money back", "reimburse", "reimbursement", "charged twice", "return my money"]),
        new("cancel", ["cancel", "cancellation", "unsubscribe", "terminate", "close my account", "stop my subscription"]),
        new("complaint", ["complaint", "complain", "unacceptable", "terrible", "awful", "worst", "disappointed", "not happy", "angry", "furious"]),
        new("purchase", ["buy", "purchase", "order", "price", "pricing", "how much", "quote", "subscribe", "upgrade"]),
        new("support", ["help", "problem", "issue", "not working", "broken", "error", "can't", "cannot", "doesn't work", "support", "fix"]),
    ];

    /// <summary>Signs of vulnerability, by kind; see <see cref="RiskLevel"/> for how they become a risk level.</summary>
    public static IReadOnlyList<KeywordRule> VulnerabilityIndicators { get; } =
    [
        new("self_harm", ["suicide", "suicidal", "kill myself", "end my life", "self harm", "self-harm", "hurt myself", "no reason to live"]),
        new("abuse", ["abuse", "abused", "abusive", "domestic violence", "violent partner", "afraid of my partner"]),
        new("mental_health", ["depressed", "depression", "anxiety", "anxious", "panic attack", "mental health", "can't cope", "cannot cope", "overwhelmed", "breakdown"]),
        new("bereavement", ["passed away", "died", "death", "funeral", "bereavement", "bereaved", "lost my husband", "lost my wife", "lost my mother", "lost my father"]),
        new("financial_hardship", ["can't afford", "cannot afford", "debt", "debts", "bankrupt", "bankruptcy", "lost my job", "unemployed", "redundant", "eviction", "evicted", "arrears", "food bank", "no money"]),
        new("health", ["hospital", "illness", "ill", "cancer", "disability", "disabled", "diagnosed", "surgery", "chemotherapy", "terminal", "carer"]),
        new("age_or_capacity", ["elderly", "dementia", "confused", "pensioner", "can't read", "cannot read", "don't understand", "hard of hearing", "blind"]),
    ];

    /// <summary>Reasons for contact; the first rule listed wins ties, "general enquiry" when none matches.</summary>
    public static IReadOnlyList<KeywordRule> ContactReasons { get; } =
    [
        new("refund request", ["refund", "money back", "reimburse", "charged twice", "return"]),
        new("cancellation", ["cancel", "cancellation", "unsubscribe", "terminate", "close my account"]),
        new("billing or payment", ["bill", "billing", "invoice", "payment", "charge", "charged", "overcharged", "direct debit", "card"]),
        new("delivery", ["delivery", "deliver", "delivered", "shipping", "shipped", "parcel", "package", "tracking", "courier", "arrived", "late"]),
        new("technical problem", ["not working", "doesn't work", "broken", "error", "bug", "crash", "crashed", "login", "log in", "password", "app", "website"]),
        new("complaint", ["complaint", "complain", "unacceptable", "terrible", "awful", "rude", "disappointed"]),
        new("purchase enquiry", ["buy", "purchase", "price", "pricing", "how much", "quote", "order", "upgrade", "available"]),
        new("account change", ["change my address", "update my details", "change my email", "change my phone", "update my account", "change my plan"]),
    ];

    public const string UnknownIntent = "unknown";
    public const string GeneralEnquiry = "general enquiry";

    /// <summary>Rules from a node's <c>intents</c> config (<c>[{name, keywords}]</c>); an intent with no keywords matches its own name.</summary>
    public static IReadOnlyList<KeywordRule>? FromConfig(JsonNode? intents)
    {
        if (intents is not JsonArray array || array.Count == 0) return null;
        var rules = new List<KeywordRule>();
        foreach (var item in array)
        {
            var name = item is JsonObject o ? AiInput.String(o, "name") : item is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (string.IsNullOrWhiteSpace(name)) continue;
            var keywords = (item as JsonObject)?["keywords"] is JsonArray k
                ? k.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!).ToList()
                : [];
            rules.Add(new KeywordRule(name.Trim(), keywords.Count > 0 ? keywords : [name.Trim()]));
        }
        return rules.Count > 0 ? rules : null;
    }

    /// <summary>The best matching rule, or null when no keyword of any rule is in <paramref name="text"/>.</summary>
    public static KeywordMatch? Match(string text, IReadOnlyList<KeywordRule> rules)
    {
        var normalized = " " + Normalize(text) + " ";
        string? best = null;
        var bestHits = 0;
        var total = 0;
        var matched = new List<string>();
        foreach (var rule in rules)
        {
            var hits = rule.Keywords.Count(k => Normalize(k) is { Length: > 0 } n && normalized.Contains(" " + n + " ", StringComparison.Ordinal));
            if (hits == 0) continue;
            matched.Add(rule.Name);
            total += hits;
            if (hits > bestHits)
            {
                best = rule.Name;
                bestHits = hits;
            }
        }
        return best is null ? null : new KeywordMatch(best, Math.Round((double)bestHits / total, 2), matched);
    }

    /// <summary>none (no indicator), low (one), medium (two or more), high (self-harm or abuse, whatever else).</summary>
    public static string RiskLevel(IReadOnlyList<string> indicators) =>
        indicators.Any(i => i is "self_harm" or "abuse") ? "high"
        : indicators.Count >= 2 ? "medium"
        : indicators.Count == 1 ? "low"
        : "none";

    /// <summary>Lower case, apostrophes unified, every other non-letter/digit a single space.</summary>
    private static string Normalize(string s) =>
        NonWord().Replace(s.ToLowerInvariant().Replace('’', '\''), " ").Trim();

    [GeneratedRegex(@"[^\p{L}\p{N}']+", RegexOptions.CultureInvariant)]
    private static partial Regex NonWord();
}
