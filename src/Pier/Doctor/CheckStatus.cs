namespace Pier.Doctor;

/// <summary>The verdict of one `pier doctor` check; any <see cref="Fail"/> makes it exit 1.</summary>
internal enum CheckStatus
{
    Ok,
    Warn,
    Fail,

    /// <summary>Nothing to check here (no https in the config, no DNS), or no way to tell.</summary>
    Skip,
}
