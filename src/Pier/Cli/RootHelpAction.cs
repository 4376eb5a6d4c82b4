using System.CommandLine;
using System.CommandLine.Invocation;

namespace Pier.Cli;

/// <summary>
/// `pier --help` as an operator wants it: one line per command, then where the details are.
/// Every other command's help is System.CommandLine's own, with the full description and examples.
/// </summary>
internal sealed class RootHelpAction(CommandLineAction standard) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.CommandResult.Command is not RootCommand root)
            return standard is SynchronousCommandLineAction synchronous ? synchronous.Invoke(parseResult) : 0;
        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine(root.Description?.Trim());
        output.WriteLine();
        output.WriteLine("Usage: pier <command> [options]");
        output.WriteLine();
        output.WriteLine("Commands:");
        var width = root.Subcommands.Max(c => c.Name.Length) + 2;
        foreach (var command in root.Subcommands)
        {
            var summary = (command.Description ?? "").Split("\n\n")[0].ReplaceLineEndings(" ");
            var sentence = summary.IndexOf(". ", StringComparison.Ordinal) is > 0 and var end ? summary[..(end + 1)] : summary;
            if (sentence.Length > 100)
                sentence = sentence[..sentence.LastIndexOf(' ', 97)] + " …";
            output.WriteLine($"  {command.Name.PadRight(width)}{sentence}");
        }
        output.WriteLine();
        output.WriteLine("Run `pier <command> --help` for a command's options and examples.");
        return 0;
    }
}
