using System.Text;
using System.Text.Json.Nodes;
using FlowForge.Core.Model;

namespace FlowForge.Core.Expressions;

/// <summary>
/// Parser for the string condition language. The text is parsed into a <see cref="ConditionNode"/> tree and is
/// never evaluated as code; placeholders are read only as operands, so values can never change the structure.
/// </summary>
/// <remarks>
/// <para>Grammar (keywords and operator words ignore case):</para>
/// <code>
/// condition  := or
/// or         := and ( OR and )*
/// and        := unary ( AND unary )*
/// unary      := NOT unary | primary
/// primary    := '(' or ')' | comparison
/// comparison := operand [ binary-op operand | is_empty | exists ]
/// binary-op  := == | != | &gt; | &lt; | &gt;= | &lt;= | contains | not_contains | starts_with | ends_with
///               (and the aliases equals, not_equals, greater_than, less_than, greater_or_equal, less_or_equal)
/// operand    := {{path}} | 'string' | "string" | number | true | false | null
/// </code>
/// <para>Precedence is NOT &gt; AND &gt; OR; <c>NOT</c> applies to a whole comparison (<c>NOT {{x}} exists</c> is
/// <c>NOT ({{x}} exists)</c>). Parentheses group conditions, not operands.</para>
/// <para>Operands: placeholders as defined by <see cref="TemplateSyntax.Placeholder"/>; bare identifiers are not
/// allowed (write <c>{{name}}</c>); strings in single or double quotes with the escapes <c>\' \" \\ \/ \n \r \t \uXXXX</c>
/// and no template expansion (they are data); numbers <c>-?digits[.digits][e[+-]digits]</c> in invariant culture;
/// <c>true</c>, <c>false</c>, <c>null</c>. A lone operand (no operator) is allowed only for a placeholder or
/// <c>true</c>/<c>false</c> and is then read as a boolean (see <see cref="ValueCondition"/>).</para>
/// <para>Limits: at most <see cref="MaxLength"/> characters and <see cref="MaxDepth"/> levels of parentheses and
/// NOT; beyond them, and for every syntax error, a <see cref="ConditionSyntaxException"/> with the 0-based position.</para>
/// </remarks>
public static class ConditionParser
{
    public const int MaxLength = 4000;
    public const int MaxDepth = 32;

    public static ConditionNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new ConditionSyntaxException($"Condition is longer than {MaxLength} characters", MaxLength);
        }
        return new Parser(text).ParseAll();
    }

    private enum TokenKind { End, LParen, RParen, Placeholder, String, Number, Word, Symbol }

    private readonly record struct Token(TokenKind Kind, int Start, int Length, string Text, JsonNode? Literal = null);

    private sealed class Parser(string text)
    {
        private int _pos;
        private Token _current;

        public ConditionNode ParseAll()
        {
            Next();
            if (_current.Kind == TokenKind.End) throw Error("Condition is empty", 0);
            var node = ParseOr(0);
            if (_current.Kind != TokenKind.End) throw Error($"Unexpected {Describe(_current)}", _current.Start);
            return node;
        }

        private ConditionNode ParseOr(int depth)
        {
            var start = _current.Start;
            var first = ParseAnd(depth);
            if (!IsKeyword(_current, "or")) return first;
            var operands = new List<ConditionNode> { first };
            while (IsKeyword(_current, "or"))
            {
                Next();
                operands.Add(ParseAnd(depth));
            }
            return new OrCondition(operands, start);
        }

        private ConditionNode ParseAnd(int depth)
        {
            var start = _current.Start;
            var first = ParseUnary(depth);
            if (!IsKeyword(_current, "and")) return first;
            var operands = new List<ConditionNode> { first };
            while (IsKeyword(_current, "and"))
            {
                Next();
                operands.Add(ParseUnary(depth));
            }
            return new AndCondition(operands, start);
        }

        private ConditionNode ParseUnary(int depth)
        {
            if (!IsKeyword(_current, "not")) return ParsePrimary(depth);
            var start = _current.Start;
            CheckDepth(depth, start);
            Next();
            return new NotCondition(ParseUnary(depth + 1), start);
        }

        private ConditionNode ParsePrimary(int depth)
        {
            if (_current.Kind == TokenKind.LParen)
            {
                CheckDepth(depth, _current.Start);
                Next();
                var inner = ParseOr(depth + 1);
                if (_current.Kind != TokenKind.RParen) throw Error("Expected ')'", _current.Start);
                Next();
                return inner;
            }
            return ParseComparison();
        }

        private ConditionNode ParseComparison()
        {
            var start = _current.Start;
            var left = ParseOperand();
            var token = _current;
            switch (token.Kind)
            {
                case TokenKind.End:
                case TokenKind.RParen:
                case TokenKind.Word when IsKeyword(token, "and") || IsKeyword(token, "or"):
                    if (left is VariableOperand || IsBooleanLiteral(left))
                    {
                        return new ValueCondition(left, start);
                    }
                    throw Error("Expected an operator", token.Start);
                case TokenKind.Word or TokenKind.Symbol:
                    if (!ComparisonOperators.TryParse(token.Text, out var op))
                    {
                        throw Error($"Unknown operator '{Shorten(token.Text)}'", token.Start);
                    }
                    Next();
                    if (ComparisonOperators.IsUnary(op)) return new ComparisonCondition(left, op, null, null, start);
                    var right = ParseOperand();
                    return new ComparisonCondition(left, op, right, null, start);
                default:
                    throw Error("Expected an operator", token.Start);
            }
        }

        private ConditionOperand ParseOperand()
        {
            var token = _current;
            switch (token.Kind)
            {
                case TokenKind.Placeholder:
                    Next();
                    return new VariableOperand(token.Text, token.Start);
                case TokenKind.String:
                case TokenKind.Number:
                    Next();
                    return new LiteralOperand(token.Literal, token.Start);
                case TokenKind.Word:
                    if (IsKeyword(token, "true") || IsKeyword(token, "false") || IsKeyword(token, "null"))
                    {
                        Next();
                        return new LiteralOperand(token.Literal, token.Start);
                    }
                    if (IsKeyword(token, "and") || IsKeyword(token, "or") || IsKeyword(token, "not")
                        || ComparisonOperators.TryParse(token.Text, out _))
                    {
                        throw Error("Expected a value", token.Start);
                    }
                    throw Error($"Unexpected identifier '{Shorten(token.Text)}' (write variables as {{{{{Shorten(token.Text)}}}}})", token.Start);
                default:
                    throw Error("Expected a value", token.Start);
            }
        }

        private static bool IsBooleanLiteral(ConditionOperand operand) =>
            operand is LiteralOperand { Value: JsonValue value }
            && value.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False;

        private static void CheckDepth(int depth, int position)
        {
            if (depth >= MaxDepth) throw Error($"Nesting is deeper than {MaxDepth} levels", position);
        }

        private static bool IsKeyword(Token token, string keyword) =>
            token.Kind == TokenKind.Word && token.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

        private string Describe(Token token) => token.Kind switch
        {
            TokenKind.RParen => "')'",
            TokenKind.LParen => "'('",
            _ => $"'{Shorten(text.Substring(token.Start, token.Length))}'",
        };

        private static string Shorten(string s) => s.Length <= 30 ? s : s[..30] + "...";

        private static ConditionSyntaxException Error(string reason, int position) => new(reason, position);

        // ---- lexer -------------------------------------------------------------------------------------------

        private void Next() => _current = Lex();

        private Token Lex()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
            if (_pos >= text.Length) return new Token(TokenKind.End, text.Length, 0, "");

            var start = _pos;
            var c = text[_pos];
            switch (c)
            {
                case '(':
                    _pos++;
                    return new Token(TokenKind.LParen, start, 1, "(");
                case ')':
                    _pos++;
                    return new Token(TokenKind.RParen, start, 1, ")");
                case '\'' or '"':
                    return LexString(c);
                case '{' when _pos + 1 < text.Length && text[_pos + 1] == '{':
                    return LexPlaceholder();
            }
            if (char.IsAsciiDigit(c) || (c == '-' && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1])))
            {
                return LexNumber();
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
                var word = text[start.._pos];
                JsonNode? literal = word.ToLowerInvariant() switch
                {
                    "true" => JsonValue.Create(true),
                    "false" => JsonValue.Create(false),
                    _ => null,
                };
                return new Token(TokenKind.Word, start, _pos - start, word, literal);
            }
            if (IsSymbolChar(c))
            {
                while (_pos < text.Length && IsSymbolChar(text[_pos])) _pos++;
                return new Token(TokenKind.Symbol, start, _pos - start, text[start.._pos]);
            }
            throw Error($"Unexpected character '{c}'", start);
        }

        private static bool IsSymbolChar(char c) => c is '=' or '!' or '<' or '>' or '&' or '|' or '~' or '^' or '%' or '*' or '+' or '/' or ';' or ':' or ',' or '?' or '@' or '#' or '`' or '\\';

        private Token LexPlaceholder()
        {
            var start = _pos;
            var match = TemplateSyntax.Placeholder().Match(text, start);
            if (match.Success && match.Index == start)
            {
                _pos = start + match.Length;
                return new Token(TokenKind.Placeholder, start, match.Length, match.Groups["path"].Value);
            }
            var close = text.IndexOf("}}", start + 2, StringComparison.Ordinal);
            throw Error(close < 0 ? "Unclosed placeholder" : "Invalid placeholder", start);
        }

        private Token LexString(char quote)
        {
            var start = _pos++;
            var sb = new StringBuilder();
            while (_pos < text.Length)
            {
                var c = text[_pos];
                if (c == quote)
                {
                    _pos++;
                    return new Token(TokenKind.String, start, _pos - start, sb.ToString(), JsonValue.Create(sb.ToString()));
                }
                if (c != '\\')
                {
                    sb.Append(c);
                    _pos++;
                    continue;
                }
                if (_pos + 1 >= text.Length) break;
                var escape = text[_pos + 1];
                switch (escape)
                {
                    case '\\' or '\'' or '"' or '/': sb.Append(escape); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 6 > text.Length || !ushort.TryParse(text.AsSpan(_pos + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("Invalid \\u escape sequence", _pos);
                        }
                        sb.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        throw Error($"Invalid escape sequence '\\{escape}'", _pos);
                }
                _pos += 2;
            }
            throw Error("Unclosed string literal", start);
        }

        private Token LexNumber()
        {
            var start = _pos;
            if (text[_pos] == '-') _pos++;
            SkipDigits();
            if (_pos + 1 < text.Length && text[_pos] == '.' && char.IsAsciiDigit(text[_pos + 1]))
            {
                _pos++;
                SkipDigits();
            }
            if (_pos < text.Length && text[_pos] is 'e' or 'E')
            {
                var save = _pos;
                _pos++;
                if (_pos < text.Length && text[_pos] is '+' or '-') _pos++;
                if (_pos < text.Length && char.IsAsciiDigit(text[_pos])) SkipDigits();
                else _pos = save;
            }
            var raw = text[start.._pos];
            if ((_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '_' or '.'))
                || !JsonText.TryParseNumber(raw, out var number))
            {
                var end = _pos;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '.')) end++;
                throw Error($"Invalid number '{Shorten(text[start..end])}'", start);
            }
            return new Token(TokenKind.Number, start, _pos - start, raw, JsonText.CreateNumber(number));
        }

        private void SkipDigits()
        {
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
        }
    }
}
