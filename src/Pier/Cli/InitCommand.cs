using System.CommandLine;
using Pier.Init;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>`pier init`: writes a commented pier.yaml for the app in the current directory.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Overwrite an existing pier.yaml" };
        var port = new Option<int>("--port")
        {
            Description = "The public HTTP port of the front door",
            HelpName = "PORT",
            DefaultValueFactory = _ => 8080,
        };
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 65535)
                result.AddError("--port must be from 1 to 65535");
        });
        var command = new Command("init", $"""
            Look at the current directory and write a commented pier.yaml for the app in it: {ProjectDetector.Recognised}.
            The file passes `pier check` as written. Exits 0 when written, 1 when nothing was recognised,
            2 when pier.yaml exists (give --force to overwrite it).

            Examples:
              pier init
              pier init --port 9000 --force
            """)
        { force, port };
        command.SetAction(parse =>
        {
            var directory = Environment.CurrentDirectory;
            var file = Path.Combine(directory, ConfigLocator.DefaultFile);
            if (File.Exists(file) && !parse.GetValue(force))
            {
                Console.Error.WriteLine($"pier: {file} exists; give --force to overwrite it");
                return ExitCodes.UsageOrConfig;
            }
            var plan = ProjectDetector.Detect(directory);
            if (plan is null)
            {
                Console.Error.WriteLine($"pier: found no app in {directory}; looked for {ProjectDetector.Recognised}");
                return ExitCodes.Failed;
            }
            File.WriteAllText(file, InitFile.Render(plan, InitFile.Name(Path.GetFileName(directory)), parse.GetValue(port)));
            AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(file)} for {Markup.Escape(plan.Kind)}: " +
                $"{plan.Services.Count} service(s), {plan.Before.Count} before step(s). Next: `pier check`, then `pier up`.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
