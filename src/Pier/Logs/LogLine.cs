using System.Globalization;
using System.Text;
using System.Text.Json;
using Pier.Configuration;

namespace Pier.Logs;

/// <summary>
/// One line of output as the log files hold it, in either format: text
/// (<c>2026-11-29T03:10:00.123Z out hello</c>; the source is the file's name) or JSON
/// (<c>{"time":…,"source":"web.2","stream":"out","text":"hello"}</c>).
/// </summary>
/// <param name="Stream"><c>out</c> or <c>err</c>.</param>
internal sealed record LogLine(DateTimeOffset Time, string Source, string Stream, string Text)
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public string Format(LogFormat format) => format == LogFormat.Json ? ToJson() : ToText();

    public string ToText() => $"{FormatTime(Time)} {Stream} {Text}";

    public string ToJson()
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", FormatTime(Time));
            json.WriteString("source", Source);
            json.WriteString("stream", Stream);
            json.WriteString("text", Text);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads a line of either format; null for a line that is neither (a torn write, a hand edit).</summary>
    /// <param name="source">The source the file is named after, for text lines.</param>
    public static LogLine? Parse(string line, string source) =>
        line.StartsWith('{') ? ParseJson(line, source) : ParseText(line, source);

    private static LogLine? ParseText(string line, string source)
    {
        // The time has a fixed width, then the stream, then the text as it was printed (maybe empty).
        const int timeLength = 24, textStart = timeLength + 5;
        if (line.Length < textStart - 1 || line[timeLength] != ' ' || (line.Length >= textStart && line[textStart - 1] != ' '))
            return null;
        var stream = line.Substring(timeLength + 1, 3);
        if (stream is not ("out" or "err") || !TryTime(line[..timeLength], out var time))
            return null;
        return new LogLine(time, source, stream, line.Length > textStart ? line[textStart..] : "");
    }

    private static LogLine? ParseJson(string line, string source)
    {
        try
        {
            var root = JsonDocument.Parse(line).RootElement;
            if (!root.TryGetProperty("time", out var time) || !TryTime(time.GetString(), out var at))
                return null;
            return new LogLine(at,
                root.TryGetProperty("source", out var s) ? s.GetString() ?? source : source,
                root.TryGetProperty("stream", out var stream) ? stream.GetString() ?? "out" : "out",
                root.TryGetProperty("text", out var text) ? text.GetString() ?? "" : "");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>yyyy-MM-ddTHH:mm:ss.fffZ by hand: it runs for every line of a flood, and a format string is several times slower.</summary>
    public static string FormatTime(DateTimeOffset time) => string.Create(24, time.UtcDateTime, static (span, t) =>
    {
        Digits(span[..4], t.Year);
        span[4] = '-';
        Digits(span[5..7], t.Month);
        span[7] = '-';
        Digits(span[8..10], t.Day);
        span[10] = 'T';
        Digits(span[11..13], t.Hour);
        span[13] = ':';
        Digits(span[14..16], t.Minute);
        span[16] = ':';
        Digits(span[17..19], t.Second);
        span[19] = '.';
        Digits(span[20..23], t.Millisecond);
        span[23] = 'Z';
    });

    private static void Digits(Span<char> span, int value)
    {
        for (var i = span.Length - 1; i >= 0; i--, value /= 10)
            span[i] = (char)('0' + value % 10);
    }

    private static bool TryTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
