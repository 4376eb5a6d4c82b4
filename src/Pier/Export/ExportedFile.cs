namespace Pier.Export;

/// <summary>One file an export writes: its name inside the output directory and its text.</summary>
internal sealed record ExportedFile(string Name, string Text);
