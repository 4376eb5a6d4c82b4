using Pier.Configuration;
using Pier.Tests.EndToEnd;

namespace Pier.Tests.Export;

/// <summary>
/// Golden files: what an export of a bundled example must look like, with the checkout's path
/// written as {root}. Run the tests with PIER_UPDATE_GOLDEN=1 to write them anew after a deliberate change.
/// </summary>
internal static class Golden
{
    public static string Directory => Path.Combine(Examples.Root, "tests", "Pier.Tests", "Export", "golden");

    public static PierConfig Example(string name) => ConfigLoader.Load(Path.Combine(Examples.Root, "examples", name, "pier.yaml"));

    public static void AssertMatches(string file, string actual)
    {
        var path = Path.Combine(Directory, file);
        var text = actual.Replace(Examples.Root, "{root}");
        if (Environment.GetEnvironmentVariable("PIER_UPDATE_GOLDEN") == "1")
            File.WriteAllText(path, text);
        Assert.True(File.Exists(path), $"no golden file {path}; run with PIER_UPDATE_GOLDEN=1 to write it");
        Assert.Equal(File.ReadAllText(path), text);
    }
}
