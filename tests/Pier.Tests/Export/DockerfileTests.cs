using Pier.Export;
using Pier.Tests.EndToEnd;

namespace Pier.Tests.Export;

/// <summary>No Docker engine runs here: the example Dockerfile is checked as text against the checkout.</summary>
public sealed class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(Examples.Root, "examples", "Dockerfile"));

    [Fact]
    public void EverythingItCopiesFromTheContext_Exists()
    {
        var copies = Lines.Where(l => l.StartsWith("COPY ") && !l.Contains("--from=")).ToList();
        Assert.NotEmpty(copies);
        foreach (var source in copies.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]))
            Assert.True(File.Exists(Path.Combine(Examples.Root, source)) || Directory.Exists(Path.Combine(Examples.Root, source)), source);
    }

    [Fact]
    public void PierIsTheEntrypoint_RunningTheExampleWhereExportsExpectIt()
    {
        Assert.Contains("ENTRYPOINT [\"/opt/pier/pier\", \"up\", \"-c\", \"/app/pier.yaml\"]", Lines);
        Assert.Contains($"COPY examples/fastapi/ {ContainerWorkload.AppRoot}/", Lines);
        Assert.Contains(Lines, l => l.StartsWith("RUN apt-get") || l.Contains("util-linux"));
        Assert.Contains(Lines, l => l.Contains("python3-fastapi") && l.Contains("python3-uvicorn"));
    }
}
