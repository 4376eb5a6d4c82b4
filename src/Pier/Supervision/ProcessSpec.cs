using System.Text.RegularExpressions;
using Pier.Configuration;

namespace Pier.Supervision;

/// <summary>What to run for one worker or step: an immutable value, started by <see cref="WorkerProcess"/>.</summary>
/// <param name="Id">Names the process in output and logs: <c>web.2</c>, <c>before.1</c>.</param>
/// <param name="Command">A shell command line, run with <c>/bin/sh -c</c>.</param>
/// <param name="CgroupProcs">The cgroup.procs file of the cgroup the process must run in, if any.</param>
internal sealed partial record ProcessSpec(string Id, string Command, string Directory, IReadOnlyDictionary<string, string> Environment, string? CgroupProcs = null)
{
    /// <summary>The service's <c>user:</c>: run the command as this user; null runs it as Pier's.</summary>
    public string? User { get; init; }

    /// <summary>Replaces <c>$PORT</c> and <c>${PORT}</c> in the command and sets <c>PORT</c> in the environment.</summary>
    public ProcessSpec WithPort(int port)
    {
        var environment = new Dictionary<string, string>(Environment) { ["PORT"] = port.ToString() };
        return this with { Command = RunVariables.ReplacePort(Command, port), Environment = environment };
    }

    /// <summary>Replaces <c>$SOCKET</c> and <c>${SOCKET}</c> in the command and sets <c>SOCKET</c> in the environment.</summary>
    public ProcessSpec WithSocket(string path)
    {
        var environment = new Dictionary<string, string>(Environment) { ["SOCKET"] = path };
        return this with { Command = RunVariables.ReplaceSocket(Command, path), Environment = environment };
    }

    /// <summary>
    /// The shell line actually run. A plain command is exec'd so that the app itself, not a shell,
    /// is the worker's PID and receives signals first; anything with shell syntax runs as written.
    /// </summary>
    public string ShellLine => ShellSyntax().IsMatch(Command) ? Command : "exec " + Command;

    [GeneratedRegex(@"[;&|<>()`\n]|\bexec\b")]
    private static partial Regex ShellSyntax();
}
