// Pier drives Linux process groups, signals and /proc; it runs nowhere else.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

return await Pier.Cli.PierCommandLine.RunAsync(args);
