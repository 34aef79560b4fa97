using System.Text;
using System.Text.RegularExpressions;

namespace FlowForge.Server.Tests.Nodes.Actions;

/// <summary>Just enough MIME decoding to read what SmtpClient wrote: RFC 2047 encoded words and the body's transfer encoding.</summary>
public static partial class MailText
{
    [GeneratedRegex(@"=\?([^?]+)\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    public static string DecodeHeader(string value) => EncodedWord().Replace(value, m =>
    {
        var charset = Encoding.GetEncoding(m.Groups[1].Value);
        return m.Groups[2].Value is "B" or "b"
            ? charset.GetString(Convert.FromBase64String(m.Groups[3].Value))
            : charset.GetString(QuotedPrintable(m.Groups[3].Value.Replace('_', ' ')));
    }).Replace("?= =?", "", StringComparison.Ordinal);

    public static string DecodeBody(CaughtMail mail)
    {
        var encoding = mail.Header("Content-Transfer-Encoding")?.ToLowerInvariant();
        return encoding switch
        {
            "base64" => Encoding.UTF8.GetString(Convert.FromBase64String(mail.Body.Replace("\r\n", "", StringComparison.Ordinal))),
            "quoted-printable" => Encoding.UTF8.GetString(QuotedPrintable(mail.Body.Replace("=\r\n", "", StringComparison.Ordinal))),
            _ => mail.Body,
        };
    }

    private static byte[] QuotedPrintable(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
            }
        }
        return [.. bytes];
    }
}
