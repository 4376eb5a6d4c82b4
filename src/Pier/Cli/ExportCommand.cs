using System.CommandLine;
using Pier.Export;

namespace Pier.Cli;

/// <summary>`pier export systemd|compose|kubernetes`: the same config for engines that run many servers.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "systemd, compose or kubernetes" };
        target.AcceptOnlyFromAmong("systemd", "compose", "kubernetes");
        var config = CliOptions.Config();
        var output = new Option<string?>("--output", "-o") { Description = "Write the files into this directory instead of printing them", HelpName = "DIR" };
        var image = new Option<string?>("--image") { Description = "The container image that holds the app and its pier.yaml [default: NAME:latest]", HelpName = "IMAGE" };
        var ns = new Option<string?>("--namespace") { Description = "The Kubernetes namespace of every object [default: none, kubectl's current one]", HelpName = "NS" };
        var command = new Command("export", """
            Write the config for another engine: a systemd unit, a Docker Compose file, or Kubernetes objects
            (Deployments, Services, Ingress with cert-manager, HPA, a Job for the before steps).
            In containers each worker is a replica, listening on port 8000.

            Examples:
              pier export systemd
              pier export kubernetes --image registry.example.com/shop:1.4 --namespace shop -o deploy/
              pier export compose --image shop:1.4 > compose.yaml
            """)
        { target, config, output, image, ns };
        command.SetAction(async (parse, _) =>
        {
            var loaded = ConfigLocator.LoadOrReport(parse.GetValue(config), null, Console.Error);
            if (loaded is null)
                return ExitCodes.UsageOrConfig;
            var imageName = parse.GetValue(image) ?? $"{loaded.Name}:latest";
            var engine = parse.GetValue(target);
            if (engine != "systemd" && loaded.Services.FirstOrDefault(s => s.Http?.UnixSocket == true) is { } socketService)
            {
                // A container is reached over the network: probes and other containers cannot use a Unix socket inside it.
                await Console.Error.WriteLineAsync($"pier: {loaded.FilePath}: services.{socketService.Name}.run uses $SOCKET, a Unix socket " +
                    $"that probes and other containers cannot reach; in {engine} each worker listens on TCP port {ContainerWorkload.Port}. " +
                    "Write $PORT in run instead (uvicorn --port $PORT, gunicorn --bind 127.0.0.1:$PORT, --urls http://127.0.0.1:$PORT) to export it");
                return ExitCodes.UsageOrConfig;
            }
            var file = engine switch
            {
                "systemd" => new ExportedFile(SystemdUnit.Name(loaded), SystemdUnit.Render(loaded,
                    new SystemdUnitOptions(PierExecutable.Current(), await SystemdInstallation.DefaultRunAsAsync(loaded), UserUnit: false))),
                "compose" => ComposeExporter.Export(loaded, imageName),
                _ => KubernetesExporter.Export(loaded, imageName, parse.GetValue(ns)),
            };
            if (parse.GetValue(output) is not { } directory)
            {
                Console.Write(file.Text);
                return ExitCodes.Ok;
            }
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, file.Name);
            await File.WriteAllTextAsync(path, file.Text);
            Console.WriteLine($"wrote {path}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
