using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FlowForge.Server.Tests.Nodes.Actions;

/// <summary>One message as the SMTP server received it.</summary>
public sealed record CaughtMail(string MailFrom, IReadOnlyList<string> RcptTo, string Data, string? AuthUser, string? AuthPassword)
{
    /// <summary>A header of the message (first occurrence, unfolded).</summary>
    public string? Header(string name)
    {
        var head = Data.Split("\r\n\r\n", 2)[0].Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", " ", StringComparison.Ordinal);
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && string.Equals(line[..colon], name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    public string Body => Data.Split("\r\n\r\n", 2) is [_, var body] ? body : "";
}

/// <summary>
/// A real SMTP listener on loopback speaking just enough SMTP (EHLO/HELO, AUTH LOGIN/PLAIN, MAIL, RCPT, DATA,
/// RSET, NOOP, QUIT) to capture what the email action sends. Replies can be scripted to test failures.
/// </summary>
public sealed class SmtpCatcher : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<CaughtMail> _messages = new();
    private readonly ConcurrentQueue<(string Stage, string Reply)> _failures = new();
    private readonly Task _loop;

    public SmtpCatcher(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public IReadOnlyList<CaughtMail> Messages => [.. _messages];

    /// <summary>Connections that issued MAIL FROM (a retried send opens a new one).</summary>
    public int MailCommands;

    /// <summary>The next transaction reaching <paramref name="stage"/> (MAIL, RCPT or DATA) gets <paramref name="reply"/> instead of success.</summary>
    public void Fail(string stage, string reply) => _failures.Enqueue((stage, reply));

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private bool TakeFailure(string stage, out string reply)
    {
        if (_failures.TryPeek(out var f) && f.Stage == stage && _failures.TryDequeue(out f))
        {
            reply = f.Reply;
            return true;
        }
        reply = "";
        return false;
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        string? user = null, password = null, from = null;
        var rcpt = new List<string>();
        try
        {
            await writer.WriteLineAsync("220 localhost FlowForge test SMTP");
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                var arg = line.Length > verb.Length ? line[(verb.Length + 1)..] : "";
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-localhost\r\n250-AUTH LOGIN PLAIN\r\n250-8BITMIME\r\n250 SIZE 10485760");
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 localhost");
                        break;
                    case "AUTH":
                    {
                        var parts = arg.Split(' ', 2);
                        if (parts[0].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
                        {
                            var initial = parts.Length > 1 ? parts[1] : await Prompt(writer, reader, "334 ");
                            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(initial)).Split('\0');
                            (user, password) = (fields[1], fields[2]);
                        }
                        else
                        {
                            user = Encoding.UTF8.GetString(Convert.FromBase64String(parts.Length > 1 ? parts[1] : await Prompt(writer, reader, "334 VXNlcm5hbWU6")));
                            password = Encoding.UTF8.GetString(Convert.FromBase64String(await Prompt(writer, reader, "334 UGFzc3dvcmQ6")));
                        }
                        await writer.WriteLineAsync("235 2.7.0 Authentication successful");
                        break;
                    }
                    case "MAIL":
                        Interlocked.Increment(ref MailCommands);
                        if (TakeFailure("MAIL", out var mailReply)) { await writer.WriteLineAsync(mailReply); break; }
                        from = Address(arg);
                        rcpt.Clear();
                        await writer.WriteLineAsync("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        if (TakeFailure("RCPT", out var rcptReply)) { await writer.WriteLineAsync(rcptReply); break; }
                        rcpt.Add(Address(arg));
                        await writer.WriteLineAsync("250 2.1.5 OK");
                        break;
                    case "DATA":
                    {
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }
                        if (TakeFailure("DATA", out var dataReply)) { await writer.WriteLineAsync(dataReply); break; }
                        _messages.Enqueue(new CaughtMail(from ?? "", [.. rcpt], data.ToString(), user, password));
                        await writer.WriteLineAsync("250 2.0.0 OK queued");
                        break;
                    }
                    case "RSET":
                        from = null;
                        rcpt.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Command not recognised");
                        break;
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested || client.Connected is false)
        {
        }
        catch (IOException)
        {
        }
    }

    private async Task<string> Prompt(StreamWriter writer, StreamReader reader, string prompt)
    {
        await writer.WriteLineAsync(prompt);
        return await reader.ReadLineAsync(_stop.Token) ?? "";
    }

    private static string Address(string arg)
    {
        var start = arg.IndexOf('<');
        var end = arg.IndexOf('>');
        return start >= 0 && end > start ? arg[(start + 1)..end] : arg;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
