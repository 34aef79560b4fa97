using System.Globalization;
using System.Text.RegularExpressions;

namespace FlowForge.Server.Providers.BuiltIn;

/// <summary>A sentiment: <c>positive</c>, <c>neutral</c> or <c>negative</c>, and the compound score in [-1, 1].</summary>
internal sealed record SentimentResult(string Label, double Score);

/// <summary>
/// The offline sentiment analyzer: VADER-style rule scoring (Hutto &amp; Gilbert, 2014) over a compact
/// embedded lexicon (<c>sentiment-lexicon.txt</c>, AFINN-style valences -5..+5, scaled by 0.8 to VADER's -4..+4).
/// <list type="bullet">
/// <item>each lexicon word contributes its valence; a word IN CAPITALS amid lower-case text adds 0.733 of emphasis;</item>
/// <item>intensifiers ("very", "extremely") and dampeners ("slightly", "kind of") up to three words before add ±0.293 (less with distance);</item>
/// <item>a negation ("not", "never", "no", "don't", "without") up to three words before flips and damps the valence (× -0.74);</item>
/// <item>"but" halves what comes before it and weighs what follows by 1.5;</item>
/// <item>exclamation marks (up to four, 0.292 each) and repeated question marks push the total further from zero;</item>
/// <item>compound = x / sqrt(x² + 15), clamped to [-1, 1]; positive at ≥ 0.05, negative at ≤ -0.05, neutral between.</item>
/// </list>
/// Limits: English only; a few hundred words, so rare, domain or slang words count as neutral; no emoji,
/// emoticons, idioms or sarcasm; negation is a three-word window, not a parse ("not only good but great"
/// is misread); words are matched whole after lower-casing (no stemming beyond the lexicon's * prefixes).
/// </summary>
internal sealed partial class LexiconSentimentAnalyzer
{
    private const double BoosterIncrement = 0.293;
    private const double CapsIncrement = 0.733;
    private const double NegationScalar = -0.74;
    private const double Alpha = 15;
    private const double AfinnToVader = 0.8;

    private static readonly HashSet<string> Negations = new(StringComparer.Ordinal)
    {
        "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "cannot", "without",
        "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont", "wouldnt",
        "shouldnt", "havent", "hasnt", "hadnt", "aint", "mustnt", "neednt",
    };

    private static readonly HashSet<string> Boosters = new(StringComparer.Ordinal)
    {
        "absolutely", "amazingly", "completely", "considerably", "deeply", "enormously", "entirely", "especially",
        "exceptionally", "extremely", "fully", "greatly", "highly", "hugely", "incredibly", "intensely", "most", "more",
        "particularly", "quite", "really", "remarkably", "so", "substantially", "super", "thoroughly", "totally",
        "tremendously", "truly", "unbelievably", "utterly", "very", "too",
    };

    private static readonly HashSet<string> Dampeners = new(StringComparer.Ordinal)
    {
        "almost", "barely", "hardly", "slightly", "somewhat", "marginally", "partly", "scarcely", "less", "little",
        "kinda", "sorta", "occasionally",
    };

    private readonly Dictionary<string, double> _words = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, double Valence)> _prefixes = [];

    /// <summary>The lexicon shipped with the server.</summary>
    public static LexiconSentimentAnalyzer Default { get; } = LoadEmbedded();

    /// <summary>Builds an analyzer from lexicon text (lines of <c>valence word word…</c>; <c>#</c> starts a comment).</summary>
    public LexiconSentimentAnalyzer(string lexicon)
    {
        foreach (var raw in lexicon.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var valence = double.Parse(parts[0], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * AfinnToVader;
            foreach (var word in parts.Skip(1))
            {
                if (word.EndsWith('*')) _prefixes.Add((word[..^1], valence));
                else _words.TryAdd(word, valence);
            }
        }
    }

    public int WordCount => _words.Count + _prefixes.Count;

    private static LexiconSentimentAnalyzer LoadEmbedded()
    {
        using var stream = typeof(LexiconSentimentAnalyzer).Assembly.GetManifestResourceStream("FlowForge.Server.Providers.BuiltIn.sentiment-lexicon.txt")
            ?? throw new InvalidOperationException("The embedded sentiment lexicon is missing.");
        using var reader = new StreamReader(stream);
        return new LexiconSentimentAnalyzer(reader.ReadToEnd());
    }

    /// <summary>The valence of one lower-case word on VADER's scale, 0 when the lexicon does not know it.</summary>
    public double Valence(string word)
    {
        if (_words.TryGetValue(word, out var v)) return v;
        foreach (var (prefix, valence) in _prefixes)
        {
            if (word.StartsWith(prefix, StringComparison.Ordinal)) return valence;
        }
        return 0;
    }

    public SentimentResult Analyze(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new SentimentResult("neutral", 0);
        var original = Tokens().Matches(text).Select(m => m.Value).ToList();
        var words = original.Select(w => w.ToLowerInvariant().Replace("’", "'", StringComparison.Ordinal)).ToList();
        var isCaps = original.Select(w => w.Length > 1 && w.Any(char.IsLetter) && w.Where(char.IsLetter).All(char.IsUpper)).ToList();
        // Capitals only mean emphasis when the rest of the text is not shouted too.
        var capsDiffer = isCaps.Any(c => c) && isCaps.Any(c => !c);

        var sentiments = new double[words.Count];
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (Boosters.Contains(word) || Dampeners.Contains(word) || IsKindOf(words, i)) continue;
            var valence = Valence(word);
            if (valence == 0) continue;
            if (isCaps[i] && capsDiffer) valence += Math.Sign(valence) * CapsIncrement;
            for (var back = 1; back <= 3 && i - back >= 0; back++)
            {
                var scalar = BoosterScalar(words, i - back, valence, isCaps[i - back] && capsDiffer);
                valence += scalar * (back == 1 ? 1 : back == 2 ? 0.95 : 0.9);
            }
            for (var back = 1; back <= 3 && i - back >= 0; back++)
            {
                if (IsNegation(words[i - back]))
                {
                    valence *= NegationScalar;
                    break;
                }
            }
            sentiments[i] = valence;
        }

        var but = words.IndexOf("but");
        if (but >= 0)
        {
            for (var i = 0; i < sentiments.Length; i++) sentiments[i] *= i < but ? 0.5 : i > but ? 1.5 : 1;
        }

        var sum = sentiments.Sum();
        if (sum != 0)
        {
            var exclamations = Math.Min(text.Count(c => c == '!'), 4) * 0.292;
            var questions = text.Count(c => c == '?') is var q and > 1 ? (q <= 3 ? q * 0.18 : 0.96) : 0;
            sum += Math.Sign(sum) * (exclamations + questions);
        }
        var compound = Math.Clamp(sum / Math.Sqrt(sum * sum + Alpha), -1, 1);
        compound = Math.Round(compound, 4);
        var label = compound >= 0.05 ? "positive" : compound <= -0.05 ? "negative" : "neutral";
        return new SentimentResult(label, compound);
    }

    private static double BoosterScalar(List<string> words, int index, double valence, bool caps)
    {
        var word = words[index];
        double scalar;
        if (Boosters.Contains(word)) scalar = BoosterIncrement;
        else if (Dampeners.Contains(word) || IsKindOf(words, index)) scalar = -BoosterIncrement;
        else return 0;
        if (valence < 0) scalar = -scalar;
        if (caps) scalar += Math.Sign(scalar) * CapsIncrement;
        return scalar;
    }

    /// <summary>"kind of" / "sort of": the first word dampens.</summary>
    private static bool IsKindOf(List<string> words, int i) =>
        words[i] is "kind" or "sort" && i + 1 < words.Count && words[i + 1] == "of";

    private static bool IsNegation(string word) =>
        Negations.Contains(word) || word.EndsWith("n't", StringComparison.Ordinal) || Negations.Contains(word.Replace("'", "", StringComparison.Ordinal));

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’][\p{L}]+)*", RegexOptions.CultureInvariant)]
    private static partial Regex Tokens();
}
