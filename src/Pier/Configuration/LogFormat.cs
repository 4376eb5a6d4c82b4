namespace Pier.Configuration;

/// <summary>How worker output is written to the log files and the console.</summary>
internal enum LogFormat
{
    /// <summary><c>2026-11-29T03:10:00.123Z out text</c> in the files, <c>web.2 | text</c> on the console.</summary>
    Text,

    /// <summary>One JSON object per line (time, source, stream, text), for shipping to a collector.</summary>
    Json,
}
