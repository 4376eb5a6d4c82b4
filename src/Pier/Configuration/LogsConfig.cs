namespace Pier.Configuration;

/// <summary>The per-worker log files under the state directory.</summary>
/// <param name="MaxSize">A file is rotated (web.2.log → web.2.log.1) when the next line would pass this many bytes.</param>
/// <param name="Keep">How many rotated files are kept per source; older ones are deleted.</param>
internal sealed record LogsConfig(long MaxSize, int Keep, LogFormat Format)
{
    public const long DefaultMaxSize = 50L << 20;
    public const int DefaultKeep = 5;

    public static readonly LogsConfig Default = new(DefaultMaxSize, DefaultKeep, LogFormat.Text);
}
